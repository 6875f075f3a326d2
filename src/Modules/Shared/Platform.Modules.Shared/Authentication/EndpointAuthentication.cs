namespace Platform.Modules.Shared.Authentication;

/// <summary>
/// Marks endpoints whose callers are not tenants signing with SigV4 but servers presenting their host
/// credential (the HostAgent). The endpoint authenticates the caller itself; the SigV4 middleware lets it pass.
/// </summary>
public sealed class HostAuthenticatedEndpoint
{
    public static readonly HostAuthenticatedEndpoint Instance = new();

    private HostAuthenticatedEndpoint()
    {
    }
}

/// <summary>
/// Marks endpoints that read a large body as a stream (image uploads). The SigV4 middleware verifies the
/// signature over the declared <c>x-amz-content-sha256</c> without reading the body, and hands the endpoint
/// a body that checks the bytes against it as they are read (a mismatch fails the read, so nothing is kept).
/// </summary>
public sealed class StreamedBodyEndpoint
{
    public static readonly StreamedBodyEndpoint Instance = new();

    private StreamedBodyEndpoint()
    {
    }
}

/// <summary>
/// The service a request to the endpoint must be signed for: the SERVICE of the signature's credential scope
/// (<c>date/region/SERVICE/aws4_request</c>), as AWS's endpoints check it. A key scoped to one service says nothing
/// about another; the SigV4 middleware refuses a signature for any other.
/// </summary>
public sealed class SigningService
{
    public static readonly SigningService Ec2 = new("ec2");
    public static readonly SigningService Iam = new("iam");
    public static readonly SigningService S3 = new("s3");
    public static readonly SigningService CloudTrail = new("cloudtrail");
    public static readonly SigningService Rds = new("rds");
    public static readonly SigningService AutoScaling = new("autoscaling");
    public static readonly SigningService CloudWatch = new("monitoring");
    public static readonly SigningService ElasticLoadBalancing = new("elasticloadbalancing");
    public static readonly SigningService CostExplorer = new("ce");

    private SigningService(string name) => Name = name;

    public string Name { get; }
}
