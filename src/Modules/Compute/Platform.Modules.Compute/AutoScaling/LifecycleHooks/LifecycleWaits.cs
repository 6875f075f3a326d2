using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.AutoScaling.LifecycleHooks;

/// <summary>
/// The group job's side of lifecycle hooks, for one leased group: an instance entering a transition gets one action per hook
/// of it (found again, never added twice, by a pass resuming after a crash); a waiting instance's outcome is decided once every
/// action has a result. An action past its deadline gets its hook's default result, one whose hook was deleted gets ABANDON
/// at launch and CONTINUE at termination; both by the same conditional update a caller's completion uses, so whichever comes
/// first wins and a second replica or a rerun changes nothing.
/// </summary>
internal sealed class LifecycleWaits(ComputeDbContext db, ScalingGroup group, DateTime now)
{
    /// <summary>The group's hooks at the transition.</summary>
    public async Task<List<LifecycleHook>> HooksAsync(string transition, CancellationToken cancellationToken) =>
        await db.LifecycleHooks.AsNoTracking().Where(h => h.GroupId == group.Id && h.Transition == transition).ToListAsync(cancellationToken);

    /// <summary>Adds the member's actions at the transition, one per hook it has none for yet; the caller saves them with the member's new state.</summary>
    public async Task OpenAsync(ScalingGroupInstance member, string transition, IReadOnlyList<LifecycleHook> hooks, CancellationToken cancellationToken)
    {
        var open = await db.LifecycleActions.AsNoTracking().Where(a => a.MemberToken == member.ClientToken && a.Transition == transition)
            .Select(a => a.HookName).ToListAsync(cancellationToken);
        foreach (var hook in hooks.Where(h => !open.Contains(h.Name)))
        {
            db.LifecycleActions.Add(new LifecycleAction
            {
                Token = Guid.NewGuid().ToString(),
                GroupId = group.Id,
                AccountId = group.AccountId,
                MemberToken = member.ClientToken,
                InstanceId = member.InstanceId!,
                HookName = hook.Name,
                Transition = transition,
                Deadline = now.AddSeconds(hook.HeartbeatTimeout),
                GlobalDeadline = now.AddSeconds(LifecycleHookLookup.GlobalTimeout(hook.HeartbeatTimeout)),
                CreatedAt = now,
            });
        }
    }

    /// <summary>Null while any action of the member at the transition is open; then ABANDON if any was abandoned, else CONTINUE.</summary>
    public async Task<string?> OutcomeAsync(ScalingGroupInstance member, string transition, CancellationToken cancellationToken)
    {
        var actions = await db.LifecycleActions.AsNoTracking().Where(a => a.MemberToken == member.ClientToken && a.Transition == transition)
            .ToListAsync(cancellationToken);
        var hooks = await db.LifecycleHooks.AsNoTracking().Where(h => h.GroupId == group.Id).ToDictionaryAsync(h => h.Name, StringComparer.Ordinal, cancellationToken);
        foreach (var action in actions.Where(a => a.Result is null))
        {
            string? result = !hooks.TryGetValue(action.HookName, out var hook) || hook.Transition != transition
                ? (transition == LifecycleHookLookup.Launching ? LifecycleHookLookup.Abandon : LifecycleHookLookup.Continue)
                : action.Deadline <= now || action.GlobalDeadline <= now ? hook.DefaultResult : null;
            if (result is not null)
            {
                await db.LifecycleActions.Where(a => a.Token == action.Token && a.Result == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.Result, result), cancellationToken);
            }
        }

        var results = await db.LifecycleActions.AsNoTracking().Where(a => a.MemberToken == member.ClientToken && a.Transition == transition)
            .Select(a => a.Result).ToListAsync(cancellationToken);
        return results.Any(r => r is null) ? null
            : results.Contains(LifecycleHookLookup.Abandon) ? LifecycleHookLookup.Abandon
            : LifecycleHookLookup.Continue;
    }

    /// <summary>The token of the member's first abandoned action at the transition, for the activity's status message.</summary>
    public async Task<string?> AbandonedTokenAsync(ScalingGroupInstance member, string transition, CancellationToken cancellationToken) =>
        await db.LifecycleActions.AsNoTracking()
            .Where(a => a.MemberToken == member.ClientToken && a.Transition == transition && a.Result == LifecycleHookLookup.Abandon)
            .OrderBy(a => a.CreatedAt).Select(a => a.Token).FirstOrDefaultAsync(cancellationToken);
}
