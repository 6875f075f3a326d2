using System.Collections.Concurrent;
using System.Threading.Channels;
using Platform.HostAgent.Libvirt;

namespace Platform.HostAgent.Reconciliation;

/// <summary>
/// Which guests were reset since they were asked to reboot, from libvirt's reboot events (a guest that honoured the
/// ACPI button went down and libvirt started it again). The event loop only writes names to a channel; the reconciler
/// collects them at the start of each apply.
/// </summary>
internal sealed class GuestResets : IDisposable
{
    private readonly Channel<string> _events = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, bool> _reset = new(StringComparer.Ordinal);
    private readonly DomainEventSubscription? _subscription;

    public GuestResets(LibvirtConnection libvirt)
    {
        try
        {
            _subscription = libvirt.SubscribeRebootEvents(_events.Writer);
        }
        catch (LibvirtException)
        {
            // No events from this libvirt: every reboot then ends by the deadline's reset.
            _subscription = null;
        }
    }

    public void Collect()
    {
        while (_events.Reader.TryRead(out var name))
        {
            _reset[name] = true;
        }
    }

    /// <summary>Called as a guest is asked to reboot: only resets after it count.</summary>
    public void Forget(string name) => _reset.TryRemove(name, out _);

    public bool WentDown(string name) => _reset.ContainsKey(name);

    public void Dispose() => _subscription?.Dispose();
}
