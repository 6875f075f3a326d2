using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Instances;

/// <summary>EC2's InstanceMetadataOptionsRequest (at launch and in ModifyInstanceMetadataOptions): a field left out keeps its value.</summary>
internal sealed record MetadataOptionsBody(string? HttpTokens, int? HttpPutResponseHopLimit, string? HttpEndpoint)
{
    public void Validate()
    {
        if (HttpTokens is not (null or "optional" or "required"))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{HttpTokens}' for HttpTokens: optional or required.");
        }

        if (HttpPutResponseHopLimit is < 1 or > 64)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{HttpPutResponseHopLimit}' for HttpPutResponseHopLimit: 1 to 64.");
        }

        if (HttpEndpoint is not (null or "enabled" or "disabled"))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{HttpEndpoint}' for HttpEndpoint: enabled or disabled.");
        }
    }
}

/// <summary>EC2's InstanceMetadataOptionsResponse: <c>state</c> is <c>applied</c> (the agent takes it with the next desired state).</summary>
internal sealed record InstanceMetadataOptionsResponse(string State, string HttpTokens, int HttpPutResponseHopLimit, string HttpEndpoint)
{
    public static InstanceMetadataOptionsResponse From(Instance instance) =>
        new("applied", instance.HttpTokens, instance.HttpPutResponseHopLimit, instance.HttpEndpoint);
}

internal sealed record ModifyInstanceMetadataOptionsResponse(string InstanceId, InstanceMetadataOptionsResponse InstanceMetadataOptions);

/// <summary>
/// EC2's ModifyInstanceMetadataOptions: changes the instance's metadata options and, when anything changed, raises
/// its host's desired version so the agent's metadata service applies them.
/// </summary>
internal sealed record ModifyInstanceMetadataOptions(string InstanceId, MetadataOptionsBody Options)
    : IRequest<ModifyInstanceMetadataOptionsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ModifyInstanceMetadataOptions", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));

    public void Validate() => Options.Validate();
}

internal sealed class ModifyInstanceMetadataOptionsHandler(InstanceTransitions transitions, ICallerContext caller)
    : IRequestHandler<ModifyInstanceMetadataOptions, ModifyInstanceMetadataOptionsResponse>
{
    public async ValueTask<ModifyInstanceMetadataOptionsResponse> Handle(ModifyInstanceMetadataOptions request, CancellationToken cancellationToken)
    {
        InstanceMetadataOptionsResponse? result = null;
        await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            if (instance.State is InstanceStates.Terminated or InstanceStates.ShuttingDown)
            {
                throw InstanceLookup.IncorrectState(instance, "modified");
            }

            var options = request.Options;
            var changed = (options.HttpTokens ?? instance.HttpTokens) != instance.HttpTokens
                || (options.HttpPutResponseHopLimit ?? instance.HttpPutResponseHopLimit) != instance.HttpPutResponseHopLimit
                || (options.HttpEndpoint ?? instance.HttpEndpoint) != instance.HttpEndpoint;
            instance.HttpTokens = options.HttpTokens ?? instance.HttpTokens;
            instance.HttpPutResponseHopLimit = options.HttpPutResponseHopLimit ?? instance.HttpPutResponseHopLimit;
            instance.HttpEndpoint = options.HttpEndpoint ?? instance.HttpEndpoint;
            result = InstanceMetadataOptionsResponse.From(instance);
            return changed;
        }, cancellationToken);
        return new ModifyInstanceMetadataOptionsResponse(request.InstanceId, result!);
    }
}
