// Output storage on Lambda (docs/deploy.md, "Output storage (S3)"), from the params outputsBucket and outputsPrefix:
// - enabled: 'true' exactly when a bucket is named;
// - statements: the IAM statements of the functions' role: write, read and delete objects under the prefix of that
//   bucket and abort the multipart uploads started there (a copy over the size limit leaves no partial object; the
//   data-URL copies of a report that lost the race for its job are deleted); nothing else in the bucket, no
//   listing. Without a bucket, none.
module.exports = async ({ resolveVariable }) => {
  const bucket = String((await resolveVariable("param:outputsBucket")) || "");
  const prefix = String(await resolveVariable("param:outputsPrefix"));
  if (bucket === "") {
    return { enabled: "false", statements: [] };
  }
  return {
    enabled: "true",
    statements: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: `arn:aws:s3:::${bucket}/${prefix}*`,
      },
    ],
  };
};
