// The environment of the gateway's own functions (submit, status, webhook): the settings every one of them reads
// (custom.gatewayEnvironment in serverless.yml), the providers switched on (deploy/providers.js) and, with push on,
// where the AppSync Event API is (deploy/push.js). Per function rather than provider.environment, so that the push
// authorizer, a function of the same service, gets none of it (no Redis URL, no API keys, no provider secrets).
const providers = require("./providers.js");
const push = require("./push.js");

module.exports = async ({ resolveVariable }) => {
  const shared = await resolveVariable("self:custom.gatewayEnvironment");
  return {
    ...shared,
    ...(await providers({ resolveVariable })),
    ...(await push({ resolveVariable })).environment,
  };
};
