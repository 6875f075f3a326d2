using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// The agent's long poll: answers the host's desired state as soon as its version passes <c>After</c>,
/// or null when the wait ends without a change. A change committed on this replica wakes it at once;
/// the version is also re-read every few seconds, for changes made through other replicas.
/// </summary>
internal sealed record WaitForDesiredState(string HostId, long After, TimeSpan Wait) : IRequest<HostDesiredState?>;

internal sealed class WaitForDesiredStateHandler(ComputeDbContext db, ISender sender, DesiredStateSignals signals,
    IOptions<ComputeOptions> options, IOptions<PlatformOptions> platform, TimeProvider clock) : IRequestHandler<WaitForDesiredState, HostDesiredState?>
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    public async ValueTask<HostDesiredState?> Handle(WaitForDesiredState request, CancellationToken cancellationToken)
    {
        var wait = request.Wait > options.Value.MaxLongPoll ? options.Value.MaxLongPoll : request.Wait;
        var deadline = clock.GetUtcNow() + wait;
        while (true)
        {
            var changed = signals.NextChange(request.HostId);
            var host = await db.Hosts.AsNoTracking().SingleAsync(h => h.Id == request.HostId, cancellationToken);
            if (host.DesiredVersion > request.After)
            {
                return await HostDesiredStates.ComposeAsync(db, sender, host, platform.Value.Region, cancellationToken);
            }

            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await changed.WaitAsync(left < Recheck ? left : Recheck, clock, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Time to look at the database again.
            }
        }
    }
}
