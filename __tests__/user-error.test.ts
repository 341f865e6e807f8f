import { debugRequested, reportUserError, UserError, userErrorMessage } from "../modules/user-error";

/** In process: how every CLI turns an error into one line (the CLIs themselves are run in cli-errors.test.ts). */
describe("user errors", () => {
  it("are named after their class and keep their message", () => {
    class ConfigError extends UserError {}
    const e = new ConfigError("bad value");
    expect([e.name, e.message, e instanceof Error]).toStrictEqual(["ConfigError", "bad value", true]);
    expect(userErrorMessage(e)).toBe("bad value");
  });

  it("treat missing AWS credentials as the user's to fix, and any other error as a bug", () => {
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    expect(userErrorMessage(noCredentials)).toBe(
      "no AWS credentials found (Could not load credentials from any providers): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    );
    expect(userErrorMessage(new TypeError("x is undefined"))).toBeUndefined();
    expect(userErrorMessage(null)).toBeUndefined();
    expect(userErrorMessage({ name: "CredentialsProviderErrorX", message: "m" })).toBeUndefined();
  });

  it("ask for stack traces with DEBUG set to anything but 0, or --debug", () => {
    expect(debugRequested([], {})).toBe(false);
    expect(debugRequested([], { DEBUG: "1" })).toBe(true);
    expect(debugRequested([], { DEBUG: "yes" })).toBe(true);
    expect(debugRequested([], { DEBUG: "0" })).toBe(false);
    expect(debugRequested([], { DEBUG: "" })).toBe(false);
    expect(debugRequested(["node", "x.ts", "--debug"], {})).toBe(true);
    expect(debugRequested(["node", "x.ts", "--debugger"], {})).toBe(false);
  });

  describe("reported by a CLI", () => {
    const saved = { argv: process.argv, debug: process.env.DEBUG };
    beforeEach(() => {
      process.argv = ["node", "cli.ts"];
      delete process.env.DEBUG;
    });
    afterAll(() => {
      process.argv = saved.argv;
      if (saved.debug === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved.debug;
    });

    it("print one error line and give exit code 1", () => {
      const lines: string[] = [];
      expect(reportUserError(new UserError('stack "qa" was never applied'), (l) => lines.push(l))).toBe(1);
      expect(lines).toStrictEqual(['error: stack "qa" was never applied']);
    });

    it("print on stderr when no printer is given", () => {
      const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
      expect(reportUserError(new UserError("m"))).toBe(1);
      expect(spy).toHaveBeenCalledWith("error: m");
      spy.mockRestore();
    });

    it("rethrow a bug, and a user error too when stack traces are asked for", () => {
      const bug = new TypeError("x is undefined");
      const print = jest.fn();
      expect(() => reportUserError(bug, print)).toThrow(bug);
      process.env.DEBUG = "1";
      const user = new UserError("m");
      expect(() => reportUserError(user, print)).toThrow(user);
      expect(print).not.toHaveBeenCalled();
    });
  });
});
