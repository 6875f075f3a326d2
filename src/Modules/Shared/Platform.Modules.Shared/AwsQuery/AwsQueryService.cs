using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.AwsQuery;

/// <summary>What an action's binder sees: the request's parameters and who signed it.</summary>
public sealed record AwsQueryCall(AwsQueryParameters Parameters, CallerIdentity Caller);

/// <summary>
/// One AWS service on the query protocol (<c>iam</c>, <c>sts</c>): its API version, XML namespace and action table.
/// An action only translates: it binds the parameters to a module's own Mediator request and renders the response,
/// so both APIs share every rule, error and authorization decision. A module registers its services in its AddXModule.
/// </summary>
public sealed class AwsQueryService(string name, string version, string xmlNamespace)
{
    private readonly Dictionary<string, Func<AwsQueryCall, ISender, CancellationToken, ValueTask<object?>>> _actions = new(StringComparer.Ordinal);

    /// <summary>The service of the SigV4 credential scope that routes a request here.</summary>
    public string Name { get; } = name;

    public string Version { get; } = version;

    public string XmlNamespace { get; } = xmlNamespace;

    public IEnumerable<string> Actions => _actions.Keys;

    /// <summary>An action that answers with a <c>&lt;ActionResult&gt;</c> whose content <paramref name="result"/> gives.</summary>
    public AwsQueryService Action<TResponse>(string action, Func<AwsQueryCall, IRequest<TResponse>> bind, Func<TResponse, object?> result)
    {
        _actions.Add(action, async (call, sender, cancellationToken) =>
        {
            var request = bind(call);
            call.Parameters.RejectUnread(TransportParameters);
            return result(await sender.Send(request, cancellationToken)) ?? Array.Empty<object>();
        });
        return this;
    }

    /// <summary>An action whose answer is only its <c>ResponseMetadata</c> (the deletes, updates and puts), whatever the native request returns.</summary>
    public AwsQueryService Command<TResponse>(string action, Func<AwsQueryCall, IRequest<TResponse>> bind)
    {
        _actions.Add(action, async (call, sender, cancellationToken) =>
        {
            var request = bind(call);
            call.Parameters.RejectUnread(TransportParameters);
            await sender.Send(request, cancellationToken);
            return null;
        });
        return this;
    }

    /// <summary>Runs the request's action and returns the XML answer; errors are thrown as <see cref="ApiException"/>s.</summary>
    public async ValueTask<string> DispatchAsync(AwsQueryParameters parameters, CallerIdentity caller, ISender sender, string requestId,
        CancellationToken cancellationToken)
    {
        var action = parameters.Optional("Action");
        if (string.IsNullOrEmpty(action))
        {
            throw new ApiException(400, "MissingAction", "The request must contain the parameter Action.");
        }

        if (!_actions.TryGetValue(action, out var run))
        {
            throw new ApiException(400, "InvalidAction", $"Could not find operation {action} for version {Version}.");
        }

        var version = parameters.Required("Version");
        if (version != Version)
        {
            throw new ApiException(400, "NoSuchVersion", $"The requested version ({version}) of service {Name} does not exist.");
        }

        var result = await run(new AwsQueryCall(parameters, caller), sender, cancellationToken);
        return AwsQueryXml.Response(action, XmlNamespace, result, requestId);
    }

    private static readonly string[] TransportParameters = ["Action", "Version"];
}

/// <summary>The query services every module registered, by signing name.</summary>
public sealed class AwsQueryRegistry(IEnumerable<AwsQueryService> services)
{
    private readonly Dictionary<string, AwsQueryService> _services = services.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<string> ServiceNames => _services.Keys;

    public AwsQueryService? Find(string service) => _services.GetValueOrDefault(service);
}

/// <summary>Marks a request answered on the query protocol, so every error of it (SigV4 included) is written as XML.</summary>
public sealed class AwsQueryProtocolFeature
{
    /// <summary>The service's namespace once the signature named it; errors before that carry none.</summary>
    public string? XmlNamespace { get; set; }
}

public static class AwsQueryServiceCollectionExtensions
{
    public static IServiceCollection AddAwsQueryService(this IServiceCollection services, AwsQueryService service)
    {
        services.AddSingleton(service);
        services.TryAddSingleton<AwsQueryRegistry>();
        return services;
    }
}
