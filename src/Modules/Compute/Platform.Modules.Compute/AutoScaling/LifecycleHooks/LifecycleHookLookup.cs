using System.Text.RegularExpressions;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.AutoScaling.LifecycleHooks;

internal sealed record LifecycleHookResponse(
    string LifecycleHookName,
    string AutoScalingGroupName,
    string LifecycleTransition,
    string? NotificationMetadata,
    int HeartbeatTimeout,
    int GlobalTimeout,
    string DefaultResult);

internal sealed record LifecycleHooksResponse(IReadOnlyList<LifecycleHookResponse> LifecycleHooks);

/// <summary>Auto Scaling's names and limits for lifecycle hooks and their actions.</summary>
internal static partial class LifecycleHookLookup
{
    public const string Launching = "autoscaling:EC2_INSTANCE_LAUNCHING";
    public const string Terminating = "autoscaling:EC2_INSTANCE_TERMINATING";
    public const string Continue = "CONTINUE";
    public const string Abandon = "ABANDON";

    /// <summary>AWS's default heartbeat timeout: one hour.</summary>
    public const int DefaultHeartbeatTimeout = 3600;

    public const int MinHeartbeatTimeout = 30;
    public const int MaxHeartbeatTimeout = 7200;

    /// <summary>Auto Scaling's limit of lifecycle hooks per group.</summary>
    public const int MaxPerGroup = 50;

    /// <summary>An action waits at most 100 heartbeat timeouts or 48 hours, whichever is less, however many heartbeats it gets.</summary>
    public static int GlobalTimeout(int heartbeatTimeout) => Math.Min(100 * heartbeatTimeout, 172_800);

    public static string GroupResource(string region, string accountId, string groupName) =>
        Arns.Build("autoscaling", region, accountId, $"autoScalingGroup:*:autoScalingGroupName/{groupName}");

    public static void EnsureHookName(string? name)
    {
        if (name is null || !HookName().IsMatch(name))
        {
            throw ApiErrors.ValidationError("lifecycle_hook_name must be 1 to 255 characters of letters, digits, '-', '_' and '/'.");
        }
    }

    public static void EnsureResult(string? result, string parameter)
    {
        if (result is not (Continue or Abandon))
        {
            throw ApiErrors.ValidationError($"Value '{result}' at '{parameter}' failed to satisfy constraint: Member must be CONTINUE or ABANDON.");
        }
    }

    public static LifecycleHookResponse Response(LifecycleHook hook, string groupName) => new(hook.Name, groupName, hook.Transition, hook.NotificationMetadata,
        hook.HeartbeatTimeout, GlobalTimeout(hook.HeartbeatTimeout), hook.DefaultResult);

    [GeneratedRegex(@"^[A-Za-z0-9\-_/]{1,255}$")]
    private static partial Regex HookName();
}
