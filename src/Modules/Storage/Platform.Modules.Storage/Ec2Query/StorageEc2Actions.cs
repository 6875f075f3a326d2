using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Volumes;
using Platform.Modules.Storage.Volumes.Modify;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryCalls;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Storage.Ec2Query;

/// <summary>
/// Storage's part of EC2's query protocol: EBS volumes (create, describe, attach, detach, modify, delete) and snapshots, bound to
/// the native requests, with their tags (TagSpecification on create, <c>tag:</c>/<c>tag-key</c> filters, <c>tagSet</c>).
/// </summary>
internal static class StorageEc2Actions
{
    public static AwsQueryService Table() => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("CreateVolume", c => new CreateVolume(c.Parameters.Optional("AvailabilityZone"), c.Parameters.OptionalInt("Size"),
            c.Parameters.Optional("SnapshotId"), c.Parameters.Optional("VolumeType"), c.Parameters.Optional("ClientToken"), c.Parameters.OptionalBool("Encrypted"),
            c.TagSpecifications("volume")),
            Volume)
        .Action("DescribeVolumes", c =>
        {
            var ids = c.Ids("VolumeId");
            c.ReadFilters("volume-id", "status", "availability-zone", "volume-type", "size", "snapshot-id", "encrypted", "attachment.instance-id",
                "attachment.status", "attachment.device", "tag:");
            c.ReadPaging(5, 500, ids.Count);
            return new DescribeVolumes(ids);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Volumes, (v, name) =>
            {
                string?[]? values = name switch
                {
                    "volume-id" => [v.VolumeId],
                    "status" => [v.State],
                    "availability-zone" => [v.AvailabilityZone],
                    "volume-type" => [v.VolumeType],
                    "size" => [v.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    "snapshot-id" => [v.SnapshotId],
                    "encrypted" => [v.Encrypted ? "true" : "false"],
                    "attachment.instance-id" => [.. v.Attachments.Select(a => a.InstanceId)],
                    "attachment.status" => [.. v.Attachments.Select(a => a.State)],
                    "attachment.device" => [.. v.Attachments.Select(a => a.Device)],
                    _ => null,
                };
                return values;
            }, v => TagPairs(v.Tags));
            var (page, next) = c.Paging().Apply(filtered, v => v.VolumeId);
            return new object?[] { Items("volumeSet", page, Volume), Value("nextToken", next) };
        })
        .Action("AttachVolume", c => new AttachVolume(c.Parameters.Required("VolumeId"), c.Parameters.Optional("InstanceId"), c.Parameters.Optional("Device")),
            Attachment)
        .Action("DetachVolume", c =>
        {
            // The native detach is always a clean one (the guest is asked first); a forced detach is not offered.
            _ = c.Parameters.Optional("Device");
            return new DetachVolume(c.Parameters.Required("VolumeId"), c.Parameters.Optional("InstanceId"));
        }, Attachment)
        .Command("DeleteVolume", c => new DeleteVolume(c.Parameters.Required("VolumeId")))
        .Action("ModifyVolume", c =>
        {
            if (c.Parameters.Optional("Iops") is not null || c.Parameters.Optional("Throughput") is not null || c.Parameters.OptionalBool("MultiAttachEnabled") == true)
            {
                throw ApiErrors.InvalidParameterValue("Iops, Throughput and MultiAttachEnabled cannot be modified on this platform: only Size (and the same VolumeType).");
            }

            return new ModifyVolume(c.Parameters.Required("VolumeId"), c.Parameters.OptionalInt("Size"), c.Parameters.Optional("VolumeType"));
        }, m => new object?[] { Element("volumeModification", Modification(m)) })
        .Action("DescribeVolumesModifications", c =>
        {
            var ids = c.Ids("VolumeId");
            c.ReadFilters("volume-id", "modification-state", "target-size", "original-size", "target-volume-type", "original-volume-type");
            c.ReadPaging(5, 500, ids.Count);
            return new DescribeVolumesModifications(ids);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.VolumesModifications, (m, name) => name switch
            {
                "volume-id" => [m.VolumeId],
                "modification-state" => [m.ModificationState],
                "target-size" => [m.TargetSize.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                "original-size" => [m.OriginalSize.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                "target-volume-type" => [m.TargetVolumeType],
                "original-volume-type" => [m.OriginalVolumeType],
                _ => null,
            });
            var (page, next) = c.Paging().Apply(filtered, m => m.VolumeId);
            return new object?[] { Items("volumeModificationSet", page, Modification), Value("nextToken", next) };
        })
        .Action("CreateSnapshot", c => new CreateSnapshot(c.Parameters.Optional("VolumeId"), c.Parameters.Optional("Description"), c.TagSpecifications("snapshot")),
            Snapshot)
        .Action("DescribeSnapshots", c =>
        {
            var ids = c.Ids("SnapshotId");
            c.Items["owners"] = c.Ids("Owner");
            c.ReadFilters("snapshot-id", "volume-id", "status", "owner-id", "description", "encrypted", "volume-size", "tag:");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeSnapshots(ids);
        }, (c, found) =>
        {
            var owners = ((IReadOnlyList<string>)c.Items["owners"]).Select(o => o == "self" ? c.Caller.AccountId : o).ToList();
            var owned = owners.Count == 0 ? found.Snapshots : found.Snapshots.Where(s => owners.Contains(s.OwnerId));
            var filtered = c.Filters().Apply(owned, (s, name) => name switch
            {
                "snapshot-id" => [s.SnapshotId],
                "volume-id" => [s.VolumeId],
                "status" => [s.State],
                "owner-id" => [s.OwnerId],
                "description" => [s.Description],
                "encrypted" => [s.Encrypted ? "true" : "false"],
                "volume-size" => [s.VolumeSize.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                _ => null,
            }, s => TagPairs(s.Tags));
            var (page, next) = c.Paging().Apply(filtered, s => s.SnapshotId);
            return new object?[] { Items("snapshotSet", page, Snapshot), Value("nextToken", next) };
        })
        .Command("DeleteSnapshot", c => new DeleteSnapshot(c.Parameters.Required("SnapshotId")));

    private static object?[] Volume(VolumeResponse v) =>
    [
        Value("volumeId", v.VolumeId),
        Value("size", v.Size),
        Value("snapshotId", v.SnapshotId ?? ""),
        Value("availabilityZone", v.AvailabilityZone),
        Value("status", v.State),
        Value("createTime", v.CreateTime),
        Items("attachmentSet", v.Attachments, a => new object?[]
        {
            Value("volumeId", a.VolumeId),
            Value("instanceId", a.InstanceId),
            Value("device", a.Device),
            Value("status", a.State),
            Value("attachTime", a.AttachTime),
            Value("deleteOnTermination", a.DeleteOnTermination),
        }),
        Value("volumeType", v.VolumeType),
        Value("encrypted", v.Encrypted),
        Value("multiAttachEnabled", false),
        TagSetOrNone(v.Tags),
    ];

    private static object?[] Modification(VolumeModificationResponse m) =>
    [
        Value("volumeId", m.VolumeId),
        Value("modificationState", m.ModificationState),
        Value("targetSize", m.TargetSize),
        Value("targetVolumeType", m.TargetVolumeType),
        Value("targetMultiAttachEnabled", false),
        Value("originalSize", m.OriginalSize),
        Value("originalVolumeType", m.OriginalVolumeType),
        Value("originalMultiAttachEnabled", false),
        Value("progress", m.Progress),
        Value("startTime", m.StartTime),
        Value("endTime", m.EndTime),
    ];

    private static object?[] Attachment(AttachmentResponse a) =>
    [
        Value("volumeId", a.VolumeId),
        Value("instanceId", a.InstanceId),
        Value("device", a.Device),
        Value("status", a.State),
        Value("attachTime", a.AttachTime),
    ];

    private static object?[] Snapshot(SnapshotResponse s) =>
    [
        Value("snapshotId", s.SnapshotId),
        Value("volumeId", s.VolumeId),
        Value("status", s.State),
        Value("startTime", s.StartTime),
        Value("progress", s.Progress),
        Value("ownerId", s.OwnerId),
        Value("volumeSize", s.VolumeSize),
        Value("description", s.Description ?? ""),
        Value("encrypted", s.Encrypted),
        Value("completionTime", s.CompletionTime),
        TagSetOrNone(s.Tags),
    ];
}
