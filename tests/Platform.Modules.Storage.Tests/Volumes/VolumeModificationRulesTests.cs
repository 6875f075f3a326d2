using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Volumes;

namespace Platform.Modules.Storage.Tests.Volumes;

/// <summary>ModifyVolume's rules: only larger, one at a time, and a modification moved along by what the server reports.</summary>
public sealed class VolumeModificationRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    private static Volume NewVolume(string? hostId) => new()
    {
        Id = "vol-0123456789abcdef0",
        AccountId = "111122223333",
        AvailabilityZone = "us-east-1a",
        SizeGiB = 4,
        VolumeType = "gp3",
        State = VolumeStates.Available,
        HostId = hostId,
        Materialized = hostId is not null,
    };

    [Theory]
    [InlineData(3, "InvalidParameterValue")]
    [InlineData(4, "InvalidParameterValue")]
    [InlineData(16385, "InvalidParameterValue")]
    public void Given_a_size_not_larger_or_too_large_Then_it_is_refused(int size, string code) =>
        Assert.Equal(code, Assert.Throws<ApiException>(() => VolumeRules.EnsureModifiable(NewVolume("host-1"), size)).Code);

    [Fact]
    public void Given_a_volume_on_a_server_When_modified_Then_it_is_modifying_until_the_server_reports_the_new_size_and_no_second_one_starts_meanwhile()
    {
        var volume = NewVolume("host-1");
        VolumeRules.EnsureModifiable(volume, 6);
        VolumeRules.Modify(volume, 6, Now);
        Assert.Equal((6, 4, ModificationStates.Modifying, 0), (volume.SizeGiB, volume.OriginalSizeGiB, volume.ModificationState, VolumeRules.ModificationProgress(volume)));
        Assert.Equal("IncorrectModificationState", Assert.Throws<ApiException>(() => VolumeRules.EnsureModifiable(volume, 8)).Code);

        // Reported at the old size (a report from before the change reached the server), or absent: still modifying.
        Assert.False(VolumeRules.Advance(volume, present: true, attachedTo: null, capacityBytes: 4L << 30, Now));
        Assert.False(VolumeRules.Advance(volume, present: false, attachedTo: null, capacityBytes: null, Now));
        Assert.Equal(ModificationStates.Modifying, volume.ModificationState);

        Assert.True(VolumeRules.Advance(volume, present: true, attachedTo: null, capacityBytes: 6L << 30, Now.AddSeconds(5)));
        Assert.Equal((ModificationStates.Completed, 100, Now.AddSeconds(5)), (volume.ModificationState, VolumeRules.ModificationProgress(volume), volume.ModificationEndedAt));
        VolumeRules.EnsureModifiable(volume, 8);
    }

    [Fact]
    public void Given_a_volume_no_server_holds_yet_When_modified_Then_the_modification_is_completed_at_once()
    {
        var volume = NewVolume(hostId: null);
        VolumeRules.Modify(volume, 5, Now);
        Assert.Equal((5, ModificationStates.Completed, Now), (volume.SizeGiB, volume.ModificationState, volume.ModificationEndedAt));
    }

    [Fact]
    public void Given_a_deleting_or_detaching_volume_Then_it_is_IncorrectState()
    {
        var deleting = NewVolume("host-1");
        deleting.State = VolumeStates.Deleting;
        Assert.Equal("IncorrectState", Assert.Throws<ApiException>(() => VolumeRules.EnsureModifiable(deleting, 8)).Code);
        var detaching = NewVolume("host-1");
        VolumeRules.Attach(detaching, "i-0123456789abcdef0", "/dev/sdf", "host-1", Now);
        VolumeRules.Detach(detaching);
        Assert.Equal("IncorrectState", Assert.Throws<ApiException>(() => VolumeRules.EnsureModifiable(detaching, 8)).Code);
    }
}
