// The AI-server providers' settings for every function, as SSM references (resolved by CloudFormation at deploy time,
// never a value in the template). Only the providers switched on by a param are referenced: CloudFormation fails a
// deploy on a reference to a parameter that does not exist, and a deployment that runs only one provider should need
// only that provider's parameters. The names and what each holds: docs/deploy.md, "Create the SSM parameters".
module.exports = async ({ resolveVariable }) => {
  const prefix = await resolveVariable("param:ssmPrefix");
  const on = async (name) => String(await resolveVariable(`param:${name}`)) === "true";
  const ssm = (parameter) => `{{resolve:ssm:${prefix}/${parameter}}}`;
  const environment = {};
  if (await on("generic")) {
    environment.GATEWAY_PROVIDERS_GENERIC_URL = ssm("ai-server-url");
    environment.GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS = ssm("webhook-secrets");
  }
  if (await on("replicate")) {
    environment.GATEWAY_PROVIDERS_REPLICATE_API_TOKEN = ssm("replicate-api-token");
    environment.GATEWAY_PROVIDERS_REPLICATE_WEBHOOK_SECRETS = ssm("replicate-webhook-secrets");
  }
  if (await on("fal")) {
    environment.GATEWAY_PROVIDERS_FAL_KEY = ssm("fal-key");
    environment.GATEWAY_PROVIDERS_FAL_WEBHOOK_USER_ID = ssm("fal-webhook-user-id");
  }
  if (await on("comfyui")) {
    // No credentials: ComfyUI has none. Its URL must also be reachable by clients, who fetch /view output URLs.
    environment.GATEWAY_PROVIDERS_COMFYUI_URL = ssm("comfyui-url");
  }
  if (await on("runpod")) {
    environment.GATEWAY_PROVIDERS_RUNPOD_API_KEY = ssm("runpod-api-key");
    environment.GATEWAY_PROVIDERS_RUNPOD_ENDPOINT_ID = ssm("runpod-endpoint-id");
  }
  if (await on("cog")) {
    environment.GATEWAY_PROVIDERS_COG_URL = ssm("cog-url");
    // The Cog server's WEBHOOK_AUTH_TOKEN: set the parameter to the same value (only with cogWebhookAuth: true).
    if (await on("cogWebhookAuth")) {
      environment.GATEWAY_PROVIDERS_COG_WEBHOOK_AUTH_TOKEN = ssm("cog-webhook-auth-token");
    }
  }
  return environment;
};
