using System.Text.Json;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.Metadata;

/// <summary>EC2's spot interruption notice in the metadata service: a 404 before it, then instance-action (and termination-time).</summary>
public sealed class SpotInstanceActionTests
{
    private readonly MetadataResponder _responder = new(new MetadataTokens(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), new ManualClock()));

    private MetadataAnswer Get(MetadataGuest guest, string path) => _responder.Answer(guest, new MetadataRequest("GET", path));

    [Fact]
    public void Given_no_notice_Then_the_spot_paths_are_404_and_given_one_Then_they_say_what_happens_when()
    {
        var guest = MetadataResponderTests.Guest();
        Assert.Equal(404, Get(guest, "/latest/meta-data/spot/instance-action").Status);
        Assert.Equal(404, Get(guest, "/latest/meta-data/spot/termination-time").Status);
        Assert.DoesNotContain("spot/", Get(guest, "/latest/meta-data/").Text, StringComparison.Ordinal);

        var time = new DateTimeOffset(2026, 12, 6, 8, 22, 0, TimeSpan.Zero);
        var noticed = guest with { Metadata = guest.Metadata with { SpotInstanceAction = new DesiredSpotAction("terminate", time) } };
        var action = Get(noticed, "/latest/meta-data/spot/instance-action");
        Assert.Equal(200, action.Status);
        using (var json = JsonDocument.Parse(action.Text))
        {
            Assert.Equal("terminate", json.RootElement.GetProperty("action").GetString());
            Assert.Equal("2026-12-06T08:22:00Z", json.RootElement.GetProperty("time").GetString());
        }

        Assert.Equal("2026-12-06T08:22:00Z", Get(noticed, "/latest/meta-data/spot/termination-time").Text);
        Assert.Contains("spot/", Get(noticed, "/latest/meta-data/").Text, StringComparison.Ordinal);

        // To be stopped: the action says so, and there is no termination time.
        var stopping = guest with { Metadata = guest.Metadata with { SpotInstanceAction = new DesiredSpotAction("stop", time) } };
        Assert.Contains("\"action\":\"stop\"", Get(stopping, "/latest/meta-data/spot/instance-action").Text, StringComparison.Ordinal);
        Assert.Equal(404, Get(stopping, "/latest/meta-data/spot/termination-time").Status);
    }
}
