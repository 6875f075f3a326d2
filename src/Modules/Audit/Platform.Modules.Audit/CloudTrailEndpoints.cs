using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platform.Modules.Audit.Lookup;
using Platform.Modules.Audit.Trails;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Audit;

/// <summary>The native CloudTrail API: <c>/api/v1/cloudtrail/...</c>, signed for the <c>cloudtrail</c> service.</summary>
internal static class CloudTrailEndpoints
{
    public const string Prefix = "/api/v1/cloudtrail";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder routes)
    {
        var trail = routes.MapGroup(Prefix).WithTags("CloudTrail").WithMetadata(SigningService.CloudTrail);

        trail.MapGet("/events", async ([FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime,
                [FromQuery(Name = "event_name")] string? eventName, [FromQuery(Name = "event_source")] string? eventSource,
                [FromQuery(Name = "username")] string? username, [FromQuery(Name = "access_key_id")] string? accessKeyId,
                [FromQuery(Name = "resource_name")] string? resourceName, [FromQuery(Name = "max_results")] int? maxResults,
                [FromQuery(Name = "next_token")] string? nextToken, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new LookupEvents(startTime, endTime, eventName, username, accessKeyId, resourceName, eventSource, maxResults, nextToken), ct)));

        trail.MapPut("/trails", async (PutTrailBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutTrail(platform.Value.Region, body.S3BucketName), ct)));
        trail.MapGet("/trails", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetTrail(platform.Value.Region), ct)));
        trail.MapDelete("/trails", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteTrail(platform.Value.Region), ct);
            return TypedResults.NoContent();
        });
        return trail;
    }

    internal sealed record PutTrailBody(string? S3BucketName);
}
