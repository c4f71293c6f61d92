"""fargate-efs-s3's Architecture from Python: the same component the stack program builds (README "Use it as a component package")."""
import pulumi
import pulumi_fargate_efs_s3 as fargate_efs_s3

uploads = fargate_efs_s3.Architecture(
    "uploads",
    az_count=2,
    nat_gateways="Single",
    # No certificate in this example: plain HTTP is the explicit, named opt-out.
    allow_plain_http=True,
    retain_on_delete=False,
    deletion_protection=False,
    alarm_email="ops@example.com",
)
pulumi.export("serviceUrl", uploads.service_url)
pulumi.export("bucketName", uploads.bucket_name)
