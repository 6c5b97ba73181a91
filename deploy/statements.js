// The IAM statements of the gateway functions' role: output storage's (deploy/outputs.js) and push's
// (deploy/push.js), each present only when its param switches it on.
const outputs = require("./outputs.js");
const push = require("./push.js");

module.exports = async ({ resolveVariable }) => [
  ...(await outputs({ resolveVariable })).statements,
  ...(await push({ resolveVariable })).statements,
];
