using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.KeyPairs;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Compute;

/// <summary>The native EC2 API: <c>/api/v1/ec2/...</c>, snake_case JSON.</summary>
internal static class ComputeEndpoints
{
    public const string Prefix = "/api/v1/ec2";

    public static RouteGroupBuilder MapCompute(IEndpointRouteBuilder routes)
    {
        var ec2 = routes.MapGroup(Prefix).WithTags("EC2").WithMetadata(SigningService.Ec2);
        ec2.MapGet("/instance-types", async ([FromQuery(Name = "instance_type")] string[]? names, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInstanceTypes(names ?? []), ct)));

        ec2.MapPost("/instances", async (RunInstancesBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RunInstances(body.InstanceType, body.ImageId, body.KeyName, body.SecurityGroups,
                body.ClientToken, body.AvailabilityZone, body.Tags, body.SubnetId, body.UserData, body.MetadataOptions,
                IamInstanceProfile: body.IamInstanceProfile, InstanceMarketOptions: body.InstanceMarketOptions,
                Attributes: new InstanceAttributeOptions(body.DisableApiTermination, body.DisableApiStop, body.InstanceInitiatedShutdownBehavior),
                LaunchTemplate: body.LaunchTemplate), ct)));
        ec2.MapGet("/instances", async ([FromQuery(Name = "instance_id")] string[]? ids, [FromQuery(Name = "state")] string[]? states,
                [FromQuery(Name = "tag")] string[]? tags, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInstances(ids ?? [], states ?? [], tags ?? []), ct)));
        ec2.MapGet("/instances/{instance_id}", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeInstances([id], [], []), ct)).Instances[0]));
        ec2.MapGet("/instances/{instance_id}/console-output", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetConsoleOutput(id), ct)));
        ec2.MapGet("/instances/{instance_id}/metrics", async ([FromRoute(Name = "instance_id")] string id, [FromQuery(Name = "start_time")] string? startTime,
                [FromQuery(Name = "end_time")] string? endTime, [FromQuery(Name = "period")] string? period, [FromQuery(Name = "metric_name")] string[]? names,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetInstanceMetrics(id, startTime, endTime, period, names ?? []), ct)));
        ec2.MapPost("/instances/{instance_id}/stop", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new StopInstance(id), ct)));
        ec2.MapPost("/instances/{instance_id}/start", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new StartInstance(id), ct)));
        ec2.MapPost("/instances/{instance_id}/reboot", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RebootInstance(id), ct)));
        ec2.MapPost("/instances/{instance_id}/metadata-options", async ([FromRoute(Name = "instance_id")] string id, MetadataOptionsBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ModifyInstanceMetadataOptions(id, body ?? new MetadataOptionsBody(null, null, null)), ct)));
        ec2.MapGet("/instances/{instance_id}/attributes", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInstanceAttributes(id), ct)));
        ec2.MapPost("/instances/{instance_id}/attributes", async ([FromRoute(Name = "instance_id")] string id, ModifyInstanceAttributeBody? body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ModifyInstanceAttribute(id, body ?? new ModifyInstanceAttributeBody(null, null, null, null)), ct)));
        ec2.MapPost("/instances/{instance_id}/iam-instance-profile", async ([FromRoute(Name = "instance_id")] string id, IamInstanceProfileBody? body,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AssociateIamInstanceProfile(id, body?.IamInstanceProfile), ct)));
        ec2.MapGet("/iam-instance-profile-associations", async ([FromQuery(Name = "association_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeIamInstanceProfileAssociations(ids ?? []), ct)));
        ec2.MapPut("/iam-instance-profile-associations/{association_id}", async ([FromRoute(Name = "association_id")] string id,
                IamInstanceProfileBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ReplaceIamInstanceProfileAssociation(id, body?.IamInstanceProfile), ct)));
        ec2.MapDelete("/iam-instance-profile-associations/{association_id}", async ([FromRoute(Name = "association_id")] string id, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DisassociateIamInstanceProfile(id), ct)));
        ec2.MapPost("/instances/{instance_id}/terminate", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new TerminateInstance(id), ct)));
        ec2.MapDelete("/instances/{instance_id}", async ([FromRoute(Name = "instance_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new TerminateInstance(id), ct)));
        ec2.MapPost("/instances/{instance_id}/tags", async ([FromRoute(Name = "instance_id")] string id, TagsBody body, ISender sender,
                CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateInstanceTags(id, body.Tags), ct)));
        ec2.MapDelete("/instances/{instance_id}/tags", async ([FromRoute(Name = "instance_id")] string id, [FromQuery(Name = "key")] string[]? keys,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteInstanceTags(id, keys ?? []), ct)));

        // Every module's tags (EC2's DescribeTags): of the given resources, or of all the account's.
        ec2.MapGet("/tags", async ([FromQuery(Name = "resource_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(new Tagging.ResourceTagListResponse(await sender.Send(new Tagging.DescribeResourceTags(ids ?? []), ct))));

        ec2.MapPost("/images", async (RegisterImageBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RegisterImage(body.Name, body.Description, body.Format, body.CommandLine, body.Public ?? false), ct)));
        ec2.MapPut("/images/{image_id}/{part}", async ([FromRoute(Name = "image_id")] string id, [FromRoute(Name = "part")] string part,
                HttpContext http, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new UploadImagePart(id, part, http.Request.Body, null), ct)))
            .WithMetadata(StreamedBodyEndpoint.Instance);
        ec2.MapGet("/images", async ([FromQuery(Name = "image_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeImages(ids ?? []), ct)));
        ec2.MapDelete("/images/{image_id}", async ([FromRoute(Name = "image_id")] string id, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeregisterImage(id), ct)));

        ec2.MapPost("/key-pairs", async (ImportKeyPairBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ImportKeyPair(body.KeyName, body.PublicKeyMaterial), ct)));
        ec2.MapPost("/key-pairs/create", async (CreateKeyPairBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateKeyPair(body.KeyName, body.KeyType, body.KeyFormat), ct)));
        ec2.MapGet("/key-pairs", async ([FromQuery(Name = "key_name")] string[]? names, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeKeyPairs(names ?? []), ct)));
        ec2.MapDelete("/key-pairs/{key_name}", async ([FromRoute(Name = "key_name")] string name, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteKeyPair(name), ct)));

        ec2.MapPost("/hosts/join-tokens", async (JoinTokenBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateJoinToken(body?.AvailabilityZone), ct)));
        ec2.MapGet("/hosts", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new DescribeHosts(), ct)));
        return ec2;
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record RunInstancesBody(
        string? InstanceType,
        string? ImageId,
        string? KeyName,
        List<string>? SecurityGroups,
        string? ClientToken,
        string? AvailabilityZone,
        List<TagSpecification>? Tags,
        string? SubnetId,
        string? UserData,
        MetadataOptionsBody? MetadataOptions = null,
        IamInstanceProfileSpecification? IamInstanceProfile = null,
        InstanceMarketOptions? InstanceMarketOptions = null,
        bool? DisableApiTermination = null,
        bool? DisableApiStop = null,
        string? InstanceInitiatedShutdownBehavior = null,
        LaunchTemplateSpecification? LaunchTemplate = null);

    internal sealed record IamInstanceProfileBody(IamInstanceProfileSpecification? IamInstanceProfile);

    internal sealed record TagsBody(List<TagSpecification>? Tags);

    internal sealed record RegisterImageBody(string? Name, string? Description, string? Format, string? CommandLine, bool? Public);

    internal sealed record ImportKeyPairBody(string? KeyName, string? PublicKeyMaterial);

    internal sealed record CreateKeyPairBody(string? KeyName, string? KeyType, string? KeyFormat);

    internal sealed record JoinTokenBody(string? AvailabilityZone);
}
