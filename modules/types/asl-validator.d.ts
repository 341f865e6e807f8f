// asl-validator ships JavaScript only; this is the part of its API the project uses.
declare module "asl-validator" {
  interface AslValidatorError {
    "Error code"?: string;
    Message?: string;
    schemaError?: { instancePath?: string; schemaPath?: string };
  }
  interface AslValidatorResult {
    isValid: boolean;
    errors: AslValidatorError[];
    errorsText: (separator?: string) => string;
  }
  /** Validates a state machine definition. It fills defaults into its argument: pass a copy. */
  function aslValidator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): AslValidatorResult;
  export = aslValidator;
}
