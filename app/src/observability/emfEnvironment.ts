// aws-embedded-metrics resolves its environment as soon as it is loaded, so this must run before its first import.
// "Local" writes each record to stdout; the library's ECS detection would instead send to a CloudWatch agent on
// TCP 25888, which this service does not run. https://github.com/awslabs/aws-embedded-metrics-node#configuration
process.env.AWS_EMF_ENVIRONMENT = "Local";
export {};
