using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Storage.Contracts;
using Platform.Modules.Storage.Volumes.Encryption;

namespace Platform.Modules.Storage.Volumes;

/// <summary>
/// EBS through the native EC2 API (<c>/api/v1/ec2/volumes</c>, <c>/api/v1/ec2/snapshots</c>, snake_case JSON), and the
/// agents' snapshot transfer (<see cref="AgentApi.Snapshots"/>), authenticated by the host credential.
/// </summary>
internal static class VolumeEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        var ec2 = routes.MapGroup("/api/v1/ec2").WithTags("EBS").WithMetadata(SigningService.Ec2);

        ec2.MapPost("/volumes", async (CreateVolumeBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateVolume(body.AvailabilityZone, body.Size, body.SnapshotId, body.VolumeType, body.ClientToken, body.Encrypted, body.Tags), ct)));
        ec2.MapGet("/volumes", async ([FromQuery(Name = "volume_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeVolumes(ids ?? []), ct)));
        ec2.MapGet("/volumes/{volume_id}", async ([FromRoute(Name = "volume_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeVolumes([id]), ct)).Volumes[0]));
        ec2.MapPost("/volumes/{volume_id}/attach", async ([FromRoute(Name = "volume_id")] string id, AttachVolumeBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AttachVolume(id, body.InstanceId, body.Device), ct)));
        ec2.MapPost("/volumes/{volume_id}/detach", async ([FromRoute(Name = "volume_id")] string id,
                [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] DetachVolumeBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DetachVolume(id, body?.InstanceId), ct)));
        ec2.MapPost("/volumes/{volume_id}/modify", async ([FromRoute(Name = "volume_id")] string id, ModifyVolumeBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Modify.ModifyVolume(id, body.Size, body.VolumeType), ct)));
        ec2.MapGet("/volume-modifications", async ([FromQuery(Name = "volume_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Modify.DescribeVolumesModifications(ids ?? []), ct)));
        ec2.MapDelete("/volumes/{volume_id}", async ([FromRoute(Name = "volume_id")] string id, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteVolume(id), ct);
            return TypedResults.NoContent();
        });

        ec2.MapGet("/ebs-encryption-by-default", async (ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetEbsEncryptionByDefault(), ct)));
        ec2.MapPost("/ebs-encryption-by-default/enable", async (ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetEbsEncryptionByDefault(true), ct)));
        ec2.MapPost("/ebs-encryption-by-default/disable", async (ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetEbsEncryptionByDefault(false), ct)));

        ec2.MapPost("/snapshots", async (CreateSnapshotBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateSnapshot(body.VolumeId, body.Description, body.Tags), ct)));
        ec2.MapGet("/snapshots", async ([FromQuery(Name = "snapshot_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeSnapshots(ids ?? []), ct)));
        ec2.MapGet("/snapshots/{snapshot_id}", async ([FromRoute(Name = "snapshot_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeSnapshots([id]), ct)).Snapshots[0]));
        ec2.MapDelete("/snapshots/{snapshot_id}", async ([FromRoute(Name = "snapshot_id")] string id, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteSnapshot(id), ct);
            return TypedResults.NoContent();
        });

        // Tags as the instances' (POST adds or overwrites, DELETE ?key=… removes); EC2's CreateTags and DeleteTags send the same requests.
        foreach (var (collection, type) in new[] { ("volumes", "volume"), ("snapshots", "snapshot") })
        {
            ec2.MapPost($"/{collection}/{{resource_id}}/tags", async ([FromRoute(Name = "resource_id")] string id, ResourceTagsBody body, ICallerContext caller,
                ISender sender, CancellationToken ct) =>
            {
                EnsureKind(type, id);
                await sender.Send(new CreateStorageTags(id, body.Tags ?? []), ct);
                return TypedResults.Ok(ResourceTagsResponse.From(id, await sender.Send(new DescribeStorageTags(caller.Identity.AccountId, [id]), ct)));
            });
            ec2.MapDelete($"/{collection}/{{resource_id}}/tags", async ([FromRoute(Name = "resource_id")] string id, [FromQuery(Name = "key")] string[]? keys,
                ISender sender, CancellationToken ct) =>
            {
                EnsureKind(type, id);
                if (keys is not { Length: > 0 })
                {
                    throw ApiErrors.MissingParameter("The request must contain the parameter key.");
                }

                await sender.Send(new DeleteStorageTags(id, [.. keys.Select(k => new ResourceTagRemoval(k, null))]), ct);
                return TypedResults.NoContent();
            });
        }

        var agent = routes.MapGroup(AgentApi.Snapshots).WithTags("HostAgent").WithMetadata(HostAuthenticatedEndpoint.Instance).ExcludeFromDescription();
        agent.MapPut("/{snapshot_id}", async ([FromRoute(Name = "snapshot_id")] string id, HttpContext http, ISender sender, CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateAgentHost(http.Request.Headers.Authorization), ct);
            VolumeRules.EnsureSnapshotId(id);
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                // A snapshot is as large as the volume's written data.
                limit.MaxRequestBodySize = null;
            }

            await sender.Send(new StoreSnapshotBytes(hostId, id, http.Request.Body, http.Request.ContentLength), ct);
            return TypedResults.NoContent();
        });
        agent.MapGet("/{snapshot_id}", async ([FromRoute(Name = "snapshot_id")] string id, HttpContext http, ISender sender, CancellationToken ct) =>
        {
            var hostId = await sender.Send(new AuthenticateAgentHost(http.Request.Headers.Authorization), ct);
            VolumeRules.EnsureSnapshotId(id);
            var bytes = await sender.Send(new OpenSnapshotBytes(hostId, id), ct);
            http.Response.ContentLength = bytes.Length;
            return Results.Stream(bytes.Content, "application/octet-stream");
        });
    }

    /// <summary>An id of the other kind (a snapshot's under /volumes) is not found there, as a missing one.</summary>
    private static void EnsureKind(string type, string id)
    {
        if (ResourceTags.ResourceTypeOf(id) != type)
        {
            throw type == "volume" ? VolumeRules.NotFound(id) : VolumeRules.SnapshotNotFound(id);
        }
    }

    internal sealed record CreateVolumeBody(string? AvailabilityZone, int? Size, string? SnapshotId, string? VolumeType, string? ClientToken, bool? Encrypted,
        IReadOnlyList<ResourceTag>? Tags);

    internal sealed record AttachVolumeBody(string? InstanceId, string? Device);

    internal sealed record DetachVolumeBody(string? InstanceId);

    internal sealed record ModifyVolumeBody(int? Size, string? VolumeType);

    internal sealed record CreateSnapshotBody(string? VolumeId, string? Description, IReadOnlyList<ResourceTag>? Tags);
}
