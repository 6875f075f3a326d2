using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// EC2's instance attributes set at launch (RunInstances' DisableApiTermination, DisableApiStop,
/// InstanceInitiatedShutdownBehavior): a field left out takes EC2's default (false, false, <c>stop</c>).
/// </summary>
internal sealed record InstanceAttributeOptions(bool? DisableApiTermination, bool? DisableApiStop, string? InstanceInitiatedShutdownBehavior)
{
    public static readonly InstanceAttributeOptions Defaults = new(null, null, null);

    public void Validate(bool spot)
    {
        InstanceAttributeRules.ValidateShutdownBehavior(InstanceInitiatedShutdownBehavior);
        if (spot)
        {
            InstanceAttributeRules.RefuseProtectionOfSpot(DisableApiTermination, DisableApiStop);
        }
    }
}

/// <summary>What EC2's DescribeInstanceAttribute answers, every attribute at once (the query layer picks the one asked for).</summary>
/// <param name="UserData">The base64 of the user data, null for none.</param>
internal sealed record InstanceAttributesResponse(
    string InstanceId,
    string InstanceType,
    IReadOnlyList<string> SecurityGroups,
    bool DisableApiTermination,
    bool DisableApiStop,
    string InstanceInitiatedShutdownBehavior,
    string? UserData)
{
    public static InstanceAttributesResponse From(Instance instance) => new(instance.Id, instance.InstanceType,
        JsonSerializer.Deserialize<List<string>>(instance.SecurityGroups) ?? [], instance.DisableApiTermination, instance.DisableApiStop,
        instance.InstanceInitiatedShutdownBehavior, instance.UserData);
}

/// <summary>EC2's DescribeInstanceAttribute: an instance's attributes (a terminated one's too, as EC2 shows it for a while).</summary>
internal sealed record DescribeInstanceAttributes(string InstanceId) : IRequest<InstanceAttributesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeInstanceAttribute", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class DescribeInstanceAttributesHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeInstanceAttributes, InstanceAttributesResponse>
{
    public async ValueTask<InstanceAttributesResponse> Handle(DescribeInstanceAttributes request, CancellationToken cancellationToken)
    {
        var instance = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        db.Entry(instance).State = EntityState.Detached;
        return InstanceAttributesResponse.From(instance);
    }
}

/// <summary>
/// EC2's ModifyInstanceAttribute body: the attributes to change, each left out keeps its value. User data (base64) and the
/// instance type change only on a stopped instance: the guest's metadata service answers the new user data from its next
/// start, and its server redefines the guest with the new type's vCPUs and memory before that start (which is refused with
/// InsufficientInstanceCapacity when the server has no room for the new size).
/// </summary>
internal sealed record ModifyInstanceAttributeBody(bool? DisableApiTermination, bool? DisableApiStop, string? InstanceInitiatedShutdownBehavior, string? UserData,
    string? InstanceType = null)
{
    public void Validate()
    {
        if (DisableApiTermination is null && DisableApiStop is null && InstanceInitiatedShutdownBehavior is null && UserData is null && InstanceType is null)
        {
            throw ApiErrors.MissingParameter("The request must name an attribute to modify: disable_api_termination, disable_api_stop, "
                + "instance_initiated_shutdown_behavior, user_data or instance_type.");
        }

        if (InstanceType is not null && InstanceTypeCatalog.Find(InstanceType) is null)
        {
            throw new ApiException(400, "InvalidInstanceAttributeValue", $"Value ({InstanceType}) for parameter instanceType is invalid. Unknown instance type.");
        }

        InstanceAttributeRules.ValidateShutdownBehavior(InstanceInitiatedShutdownBehavior);
        if (UserData is not null)
        {
            // The same rules as at launch (base64, at most 16 KiB decoded).
            new RunInstances("t3.micro", "ami-00000000", null, null, null, null, null, UserData: UserData).Validate();
        }
    }
}

/// <summary>EC2's ModifyInstanceAttribute, answering the instance's attributes after the change.</summary>
internal sealed record ModifyInstanceAttribute(string InstanceId, ModifyInstanceAttributeBody Attributes)
    : IRequest<InstanceAttributesResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ModifyInstanceAttribute", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));

    public void Validate() => Attributes.Validate();
}

internal sealed class ModifyInstanceAttributeHandler(InstanceTransitions transitions, ICallerContext caller)
    : IRequestHandler<ModifyInstanceAttribute, InstanceAttributesResponse>
{
    public async ValueTask<InstanceAttributesResponse> Handle(ModifyInstanceAttribute request, CancellationToken cancellationToken)
    {
        InstanceAttributesResponse? result = null;
        var wanted = request.Attributes;
        await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            if (instance.State is InstanceStates.Terminated or InstanceStates.ShuttingDown)
            {
                throw InstanceLookup.IncorrectState(instance, "modified");
            }

            if (instance.InstanceLifecycle == SpotMarket.Spot)
            {
                InstanceAttributeRules.RefuseProtectionOfSpot(wanted.DisableApiTermination, wanted.DisableApiStop);
            }

            var userData = wanted.UserData is null ? instance.UserData : Convert.ToBase64String(Convert.FromBase64String(wanted.UserData));
            var type = wanted.InstanceType ?? instance.InstanceType;
            if ((userData != instance.UserData || type != instance.InstanceType) && instance.State != InstanceStates.Stopped)
            {
                throw new ApiException(400, "IncorrectInstanceState", $"The instance '{instance.Id}' is not in the 'stopped' state.");
            }

            if (type != instance.InstanceType && instance.InstanceLifecycle == SpotMarket.Spot)
            {
                // Its price and the capacity it may be taken back for are its type's.
                throw new ApiException(400, "UnsupportedOperation", $"The instance type of the spot instance '{instance.Id}' cannot be changed.");
            }

            var changed = (wanted.DisableApiTermination ?? instance.DisableApiTermination) != instance.DisableApiTermination
                || (wanted.DisableApiStop ?? instance.DisableApiStop) != instance.DisableApiStop
                || (wanted.InstanceInitiatedShutdownBehavior ?? instance.InstanceInitiatedShutdownBehavior) != instance.InstanceInitiatedShutdownBehavior
                || userData != instance.UserData
                || type != instance.InstanceType;
            instance.DisableApiTermination = wanted.DisableApiTermination ?? instance.DisableApiTermination;
            instance.DisableApiStop = wanted.DisableApiStop ?? instance.DisableApiStop;
            instance.InstanceInitiatedShutdownBehavior = wanted.InstanceInitiatedShutdownBehavior ?? instance.InstanceInitiatedShutdownBehavior;
            instance.UserData = userData;
            instance.InstanceType = type;
            result = InstanceAttributesResponse.From(instance);
            return changed;
        }, cancellationToken);
        return result!;
    }
}

internal static class InstanceAttributeRules
{
    public static void ValidateShutdownBehavior(string? behavior)
    {
        if (behavior is not (null or ShutdownBehaviors.Stop or ShutdownBehaviors.Terminate))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{behavior}' for instanceInitiatedShutdownBehavior: stop or terminate.");
        }
    }

    /// <summary>EC2 protects no spot instance from termination or stop: the market may take it back at any time.</summary>
    public static void RefuseProtectionOfSpot(bool? disableApiTermination, bool? disableApiStop)
    {
        if (disableApiTermination == true || disableApiStop == true)
        {
            throw new ApiException(400, "UnsupportedOperation", "DisableApiTermination and DisableApiStop are not supported for spot instances.");
        }
    }

    public static ApiException NotPermitted(string instanceId, string action, string attribute) =>
        new(400, "OperationNotPermitted", $"The instance '{instanceId}' may not be {action}. Modify its '{attribute}' instance attribute and try again.");
}
