import { App } from "cdktf";
import { isCdktfCliInCi, loadPipelineConfig, refuseLocalBackendInCi } from "./modules/config/load";
import { PipelineStack } from "./modules/pipeline-stack";
import { reportUserError } from "./modules/user-error";

try {
  // Synth needs no terraform binary: backend validation would run `terraform version` for CloudBackend.
  const app = new App({ skipBackendValidation: true });
  const config = loadPipelineConfig();
  if (isCdktfCliInCi()) refuseLocalBackendInCi(config);
  for (const [environment, settings] of Object.entries(config.environments)) {
    new PipelineStack(app, environment, { project: config.project, environment, backend: config.backend, settings });
  }
  app.synth();
} catch (e) {
  process.exitCode = reportUserError(e);
}
