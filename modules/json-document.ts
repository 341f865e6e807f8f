/**
 * A JSON document (policy, event pattern, dashboard, crawler configuration) as a Terraform string argument,
 * indented: cdktf's HCL output (`cdktf synth --hcl`) writes a multi-line string as a heredoc Terraform parses,
 * whereas one compact line holding references comes out as broken HCL. Terraform and AWS compare the documents as
 * JSON, so the indentation changes nothing they see.
 */
export function jsonDocument(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
