using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute;

/// <summary>
/// The API the HostAgents dial (<see cref="AgentApi"/>): enrolment with a join token, then heartbeats,
/// the desired-state long poll, image downloads and instances' role credentials, each authenticated by the host credential.
/// </summary>
internal static class AgentEndpoints
{
    public static void MapAgent(IEndpointRouteBuilder routes)
    {
        var agent = routes.MapGroup(AgentApi.Prefix).WithTags("HostAgent").WithMetadata(HostAuthenticatedEndpoint.Instance).ExcludeFromDescription();

        agent.MapPost("/enrol", async (EnrolRequest body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new EnrolHost(body), ct)));

        agent.MapPost("/report", async (HostReport body, HttpContext http, ISender sender, CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateHost(http.Request.Headers.Authorization), ct);
            if (body.HostId != hostId)
            {
                throw ApiErrors.InvalidParameterValue("A host reports for itself only.");
            }

            return TypedResults.Ok(new ReportAccepted(await sender.Send(new ReportHostState(hostId, body), ct)));
        });

        agent.MapGet("/desired-state", async ([FromQuery(Name = "after")] long? after, [FromQuery(Name = "wait_seconds")] int? waitSeconds,
            HttpContext http, ISender sender, CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateHost(http.Request.Headers.Authorization), ct);
            var state = await sender.Send(new WaitForDesiredState(hostId, after ?? -1, TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 0, 0, 3600))), ct);
            return state is null ? Results.NoContent() : Results.Ok(state);
        });

        agent.MapGet("/images/{image_id}/{part}", async ([FromRoute(Name = "image_id")] string imageId, [FromRoute(Name = "part")] string part,
            HttpContext http, ISender sender, ImageFiles files, CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateHost(http.Request.Headers.Authorization), ct);
            ImageLookup.EnsureWellFormed(imageId);
            await sender.Send(new EnsureHostNeedsImage(hostId, imageId), ct);
            if (part is not (ImageParts.Kernel or ImageParts.Initrd or ImageParts.Disk) || !File.Exists(files.PathOf(imageId, part)))
            {
                throw ApiErrors.NotFound("InvalidAMIID.NotFound", $"The image part {imageId}/{part} does not exist.");
            }

            return Results.File(files.PathOf(imageId, part), "application/octet-stream", enableRangeProcessing: true);
        });

        agent.MapGet("/instances/{instance_id}/iam-credentials", async ([FromRoute(Name = "instance_id")] string instanceId, HttpContext http, ISender sender,
            CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateHost(http.Request.Headers.Authorization), ct);
            var credentials = await sender.Send(new IssueHostInstanceCredentials(hostId, instanceId), ct);
            // Secrets: no cache between the API and the agent may keep them.
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(credentials);
        });
    }

    internal sealed record ReportAccepted(long DesiredVersion);
}
