// Push over AWS AppSync Events (issue 25; docs/deploy.md, "Push (AppSync Events)"), switched by the param `push`
// (default true). With it off this module renders nothing: no Event API, no authorizer function, no environment
// variable, no IAM statement. Switching at render time, as deploy/outputs.js and deploy/providers.js do, rather than
// with CloudFormation Conditions: a Condition would leave the resources (and the authorizer's packaged code) in the
// template, only not created, and Serverless v3's function-level `condition` does not reach the function's version
// and log group it generates.
//
// CloudFormation reference for every type, property and attribute used here:
// - AWS::AppSync::Api (Name, EventConfig; GetAtt ApiId, ApiArn, Dns.Http, Dns.Realtime):
//   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-appsync-api.html
//   EventConfig (AuthProviders, ConnectionAuthModes, DefaultPublishAuthModes, DefaultSubscribeAuthModes):
//   .../aws-properties-appsync-api-eventconfig.html; AuthProvider (AuthType, LambdaAuthorizerConfig),
//   AuthMode (AuthType), LambdaAuthorizerConfig (AuthorizerUri, AuthorizerResultTtlInSeconds 0-3600, 0 = no cache),
//   DnsMap (Http, Realtime): .../aws-properties-appsync-api-dnsmap.html
// - AWS::AppSync::ChannelNamespace (ApiId, Name, PublishAuthModes, SubscribeAuthModes):
//   .../aws-resource-appsync-channelnamespace.html
// - AWS::Lambda::Permission (Action, FunctionName, Principal, SourceArn): .../aws-resource-lambda-permission.html;
//   AppSync's LambdaAuthorizerConfig reference asks for exactly this grant to appsync.amazonaws.com.
// - IAM: appsync:EventPublish on the channelNamespace resource type,
//   arn:${Partition}:appsync:${Region}:${Account}:apis/${ApiId}/channelNamespace/${ChannelNamespaceName}
//   (Service Authorization Reference, "Actions, resources, and condition keys for AWS AppSync"; the AWS CDK grants
//   publishing the same way: AppSyncEventResource.ofChannelNamespace).
const NAMESPACE = "jobs"; // the gateway publisher's default namespace: the two must agree

module.exports = async ({ resolveVariable }) => {
  const on = String(await resolveVariable("param:push")) === "true";
  if (!on) {
    return { enabled: "false", environment: {}, statements: [], resources: {}, authorizer: null };
  }
  const stage = await resolveVariable("sls:stage");
  const prefix = await resolveVariable("param:ssmPrefix");
  const vpc = String(await resolveVariable("param:network")) === "vpc";
  const lambda = { AuthType: "AWS_LAMBDA" };
  const iam = { AuthType: "AWS_IAM" };
  return {
    enabled: "true",
    // The gateway functions publish over HTTP (POST https://<Dns.Http>/event, SigV4) and tell browsers where to
    // subscribe (wss://<Dns.Realtime>/event/realtime).
    environment: {
      GATEWAY_PUSH_APPSYNC_HTTP_DOMAIN: { "Fn::GetAtt": ["PushEventApi", "Dns.Http"] },
      GATEWAY_PUSH_APPSYNC_REALTIME_DOMAIN: { "Fn::GetAtt": ["PushEventApi", "Dns.Realtime"] },
    },
    // Publish to this API's `jobs` namespace and nothing else: no other API, no subscribe, no API management.
    statements: [
      {
        Effect: "Allow",
        Action: ["appsync:EventPublish"],
        Resource: {
          "Fn::Sub": `arn:\${AWS::Partition}:appsync:\${AWS::Region}:\${AWS::AccountId}:apis/\${PushEventApi.ApiId}/channelNamespace/${NAMESPACE}`,
        },
      },
    ],
    // The subscribe authorizer: Node.js, no dependencies, packaged alone (only deploy/push-authorizer/), its own
    // role (logs only: it calls no AWS API) and only the settings a read token is checked with: the signing keys,
    // and the API keys, since a token dies with the API key it was minted under (docs/security.md). None of the
    // gateway's others (Redis, operator key, provider secrets).
    authorizer: {
      description: "Authorizes browsers' AppSync Events connections and subscriptions with their read tokens",
      runtime: "nodejs20.x",
      handler: "deploy/push-authorizer/index.handler",
      memorySize: 128,
      timeout: 5,
      role: "PushAuthorizerRole",
      package: {
        individually: true,
        patterns: ["!**", "deploy/push-authorizer/**", "!deploy/push-authorizer/test/**"],
      },
      environment: {
        GATEWAY_READ_TOKENS_KEYS: `{{resolve:ssm:${prefix}/read-token-keys}}`,
        GATEWAY_API_KEYS: `{{resolve:ssm:${prefix}/api-keys}}`,
      },
      // Outside the VPC of network=vpc: it reaches nothing but its own code, and its role has no ENI rights. Only
      // then: any `vpc` key on a function makes Serverless add the VPC-access policy to the gateway's role.
      ...(vpc ? { vpc: null } : {}),
    },
    resources: {
      Resources: {
        PushEventApi: {
          Type: "AWS::AppSync::Api",
          Properties: {
            Name: `job-gateway-${stage}`,
            EventConfig: {
              AuthProviders: [
                iam,
                {
                  AuthType: "AWS_LAMBDA",
                  LambdaAuthorizerConfig: {
                    AuthorizerUri: { "Fn::GetAtt": ["PushAuthorizerLambdaFunction", "Arn"] },
                    // No cached decision: it depends on the channel, and the authorizer answers ttlOverride 0 anyway.
                    AuthorizerResultTtlInSeconds: 0,
                  },
                },
              ],
              // Browsers connect and subscribe with their read token (the authorizer); only IAM publishes.
              ConnectionAuthModes: [lambda],
              DefaultPublishAuthModes: [iam],
              DefaultSubscribeAuthModes: [lambda],
            },
          },
        },
        PushJobsNamespace: {
          Type: "AWS::AppSync::ChannelNamespace",
          Properties: {
            ApiId: { "Fn::GetAtt": ["PushEventApi", "ApiId"] },
            Name: NAMESPACE,
            // Stated on the namespace too, so a change of the API's defaults never lets a browser publish here.
            PublishAuthModes: [iam],
            SubscribeAuthModes: [lambda],
          },
        },
        PushAuthorizerInvokePermission: {
          Type: "AWS::Lambda::Permission",
          Properties: {
            Action: "lambda:InvokeFunction",
            FunctionName: { "Fn::GetAtt": ["PushAuthorizerLambdaFunction", "Arn"] },
            Principal: "appsync.amazonaws.com",
            SourceArn: { "Fn::GetAtt": ["PushEventApi", "ApiArn"] },
          },
        },
        PushAuthorizerRole: {
          Type: "AWS::IAM::Role",
          Properties: {
            AssumeRolePolicyDocument: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] },
              ],
            },
            ManagedPolicyArns: [
              { "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
            ],
          },
        },
      },
      Outputs: {
        PushHttpDomain: { Value: { "Fn::GetAtt": ["PushEventApi", "Dns.Http"] } },
        PushRealtimeDomain: { Value: { "Fn::GetAtt": ["PushEventApi", "Dns.Realtime"] } },
      },
    },
  };
};
