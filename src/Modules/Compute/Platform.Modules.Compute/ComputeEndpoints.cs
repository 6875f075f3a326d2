using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Compute.InstanceTypes;

namespace Platform.Modules.Compute;

/// <summary>The native EC2 API: <c>/api/v1/ec2/...</c>, snake_case JSON.</summary>
internal static class ComputeEndpoints
{
    public const string Prefix = "/api/v1/ec2";

    public static RouteGroupBuilder MapCompute(IEndpointRouteBuilder routes)
    {
        var ec2 = routes.MapGroup(Prefix).WithTags("EC2");
        ec2.MapGet("/instance-types", async ([FromQuery(Name = "instance_type")] string[]? names, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInstanceTypes(names ?? []), ct)));
        return ec2;
    }
}
