using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Volumes;

namespace Platform.Modules.Storage.Tests.Volumes;

/// <summary>EBS's state rules for volumes, and the checks on ids, sizes and device names.</summary>
public sealed class VolumeRulesTests
{
    private static Volume NewVolume(string state = VolumeStates.Available) => new()
    {
        Id = "vol-0123456789abcdef0",
        AccountId = "111122223333",
        AvailabilityZone = "us-east-1a",
        SizeGiB = 1,
        VolumeType = "gp3",
        State = state,
    };

    [Theory]
    [InlineData("/dev/sdf", "vdf")]
    [InlineData("/dev/sdp", "vdp")]
    [InlineData("/dev/xvdg", "vdg")]
    public void Given_an_EC2_data_device_name_Then_it_maps_to_the_virtio_target_of_the_same_letter(string device, string target) =>
        Assert.Equal(target, VolumeRules.TargetDevice(device));

    [Theory]
    [InlineData("/dev/sda1")]
    [InlineData("/dev/sde")]
    [InlineData("/dev/sdq")]
    [InlineData("/dev/vdf")]
    [InlineData("sdf")]
    [InlineData("")]
    public void Given_another_device_name_Then_it_is_InvalidParameterValue(string device) =>
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => VolumeRules.TargetDevice(device)).Code);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(16385)]
    public void Given_a_size_outside_1_to_16384_GiB_Then_it_is_refused(int size) =>
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => VolumeRules.EnsureSize(size)).Code);

    [Theory]
    [InlineData("vol-0123456789abcdef0", true)]
    [InlineData("vol-01234567", true)]
    [InlineData("vol-0123456789ABCDEF0", false)]
    [InlineData("snap-0123456789abcdef0", false)]
    [InlineData("vol-", false)]
    public void Given_a_volume_id_Then_only_EC2s_shape_passes(string id, bool valid)
    {
        var error = Record.Exception(() => VolumeRules.EnsureVolumeId(id));
        Assert.Equal(valid, error is null);
        if (!valid)
        {
            Assert.Equal("InvalidVolumeID.Malformed", Assert.IsType<ApiException>(error).Code);
        }
    }

    [Fact]
    public void Given_an_available_volume_When_attached_observed_detached_observed_deleted_and_observed_gone_Then_it_follows_EBS_states()
    {
        var volume = NewVolume();
        VolumeRules.EnsureAttachable(volume);
        VolumeRules.Attach(volume, "i-0123456789abcdef0", "/dev/sdf", "h-1", DateTime.UtcNow);
        Assert.Equal((VolumeStates.InUse, AttachmentStates.Attaching, "h-1"), (volume.State, volume.AttachmentState, volume.HostId));

        // Not yet plugged in: nothing moves.
        Assert.False(VolumeRules.Advance(volume, present: false, attachedTo: null));
        Assert.Equal(AttachmentStates.Attaching, volume.AttachmentState);
        Assert.True(VolumeRules.Advance(volume, present: true, attachedTo: "i-0123456789abcdef0"));
        Assert.Equal((VolumeStates.InUse, AttachmentStates.Attached), (volume.State, volume.AttachmentState));
        Assert.True(volume.Materialized);

        Assert.Equal("VolumeInUse", Assert.Throws<ApiException>(() => VolumeRules.EnsureAttachable(volume)).Code);
        Assert.Equal("VolumeInUse", Assert.Throws<ApiException>(() => VolumeRules.EnsureDeletable(volume)).Code);
        Assert.Equal("InvalidAttachment.NotFound", Assert.Throws<ApiException>(() => VolumeRules.EnsureDetachable(volume, "i-0aaaaaaaaaaaaaaaa")).Code);

        VolumeRules.EnsureDetachable(volume, "i-0123456789abcdef0");
        VolumeRules.Detach(volume);
        Assert.Equal("IncorrectState", Assert.Throws<ApiException>(() => VolumeRules.EnsureDetachable(volume, null)).Code);
        // Still plugged in: still detaching.
        Assert.False(VolumeRules.Advance(volume, present: true, attachedTo: "i-0123456789abcdef0"));
        Assert.True(VolumeRules.Advance(volume, present: true, attachedTo: null));
        Assert.Equal(VolumeStates.Available, volume.State);
        Assert.Null(volume.AttachmentState);
        Assert.Null(volume.InstanceId);
        Assert.Equal("h-1", volume.HostId);

        VolumeRules.EnsureDeletable(volume);
        VolumeRules.Delete(volume);
        Assert.Equal(VolumeStates.Deleting, volume.State);
        Assert.False(VolumeRules.Advance(volume, present: true, attachedTo: null));
        Assert.True(VolumeRules.Advance(volume, present: false, attachedTo: null));
        Assert.Equal(VolumeStates.Deleted, volume.State);
    }

    [Fact]
    public void Given_a_volume_never_attached_When_deleted_Then_it_is_deleted_at_once()
    {
        var volume = NewVolume();
        VolumeRules.Delete(volume);
        Assert.Equal(VolumeStates.Deleted, volume.State);
    }

    [Fact]
    public void Given_a_volume_bound_to_a_server_Then_an_instance_on_another_server_is_refused_and_one_on_the_same_is_not()
    {
        var volume = NewVolume();
        volume.HostId = "h-1";
        Assert.Equal("UnsupportedOperation", Assert.Throws<ApiException>(() => VolumeRules.EnsureSameServer(volume, "i-0123456789abcdef0", "h-2")).Code);
        VolumeRules.EnsureSameServer(volume, "i-0123456789abcdef0", "h-1");
        VolumeRules.EnsureSameServer(NewVolume(), "i-0123456789abcdef0", "h-2");
    }

    [Theory]
    [InlineData(VolumeStates.Creating)]
    [InlineData(VolumeStates.Deleting)]
    public void Given_a_volume_neither_available_nor_in_use_Then_attach_and_snapshot_are_IncorrectState(string state)
    {
        var volume = NewVolume(state);
        Assert.Equal("IncorrectState", Assert.Throws<ApiException>(() => VolumeRules.EnsureAttachable(volume)).Code);
        Assert.Equal("IncorrectState", Assert.Throws<ApiException>(() => VolumeRules.EnsureSnapshottable(volume)).Code);
    }

    [Fact]
    public void Given_an_attached_volume_whose_instance_is_gone_Then_it_is_available_on_its_server()
    {
        var volume = NewVolume();
        VolumeRules.Attach(volume, "i-0123456789abcdef0", "/dev/sdf", "h-1", DateTime.UtcNow);
        VolumeRules.Release(volume);
        Assert.Equal((VolumeStates.Available, null, null, "h-1"), (volume.State, volume.AttachmentState, volume.InstanceId, volume.HostId));
    }
}
