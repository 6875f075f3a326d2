using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.AwsQuery;

/// <summary>What an action's binder sees: the request's parameters and who signed it.</summary>
public sealed record AwsQueryCall(AwsQueryParameters Parameters, CallerIdentity Caller)
{
    /// <summary>EC2's <c>DryRun=true</c>: check, do not act.</summary>
    public bool DryRun { get; init; }

    /// <summary>What a binder read for its renderer (EC2's filters and page): read and checked before the request runs.</summary>
    public IDictionary<string, object> Items { get; } = new Dictionary<string, object>(StringComparer.Ordinal);
}

/// <summary>The two dialects of the query protocol: awsQuery (IAM, STS: <c>member.N</c>, <c>…Result</c>) and EC2's own.</summary>
public enum AwsQueryDialect
{
    Query,

    /// <summary>EC2: lists as <c>Name.N</c>, answers with <c>requestId</c> and <c>item</c> lists, <c>&lt;Response&gt;&lt;Errors&gt;</c>, <c>DryRun</c>.</summary>
    Ec2,
}

/// <summary>
/// One AWS service on the query protocol (<c>iam</c>, <c>sts</c>, <c>ec2</c>): its API version, XML namespace and action table.
/// An action only translates: it binds the parameters to a module's own Mediator request and renders the response,
/// so both APIs share every rule, error and authorization decision. A module registers its services in its AddXModule;
/// several modules may register parts of one service (EC2's instances, VPCs and volumes), which the registry joins.
/// </summary>
public sealed class AwsQueryService(string name, string version, string xmlNamespace, AwsQueryDialect dialect = AwsQueryDialect.Query)
{
    private readonly Dictionary<string, Func<AwsQueryCall, IServiceProvider, CancellationToken, ValueTask<object?>>> _actions = new(StringComparer.Ordinal);

    /// <summary>The service of the SigV4 credential scope that routes a request here.</summary>
    public string Name { get; } = name;

    public string Version { get; } = version;

    public string XmlNamespace { get; } = xmlNamespace;

    public AwsQueryDialect Dialect { get; } = dialect;

    public IEnumerable<string> Actions => _actions.Keys;

    /// <summary>
    /// The service's target prefix when it also takes AWS's JSON 1.0 and Smithy RPC v2 CBOR protocols, as an awsQuery-compatible
    /// service does (CloudWatch's <c>GraniteServiceVersion20100801</c>): the same actions, their input read as the query
    /// protocol's parameters and their answer written from the same result. Null for a service on the query protocol alone.
    /// </summary>
    public string? JsonTargetPrefix { get; private set; }

    /// <summary>The input members that are timestamps, which the JSON protocol sends as epoch seconds (CBOR tags them).</summary>
    public IReadOnlySet<string> JsonTimestampMembers { get; private set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Takes the JSON 1.0 and RPC v2 CBOR protocols too, under <paramref name="targetPrefix"/>.</summary>
    public AwsQueryService WithJsonProtocols(string targetPrefix, params string[] timestampMembers)
    {
        JsonTargetPrefix = targetPrefix;
        JsonTimestampMembers = new HashSet<string>(timestampMembers, StringComparer.Ordinal);
        return this;
    }

    /// <summary>An action that answers with a <c>&lt;ActionResult&gt;</c> whose content <paramref name="result"/> gives.</summary>
    public AwsQueryService Action<TResponse>(string action, Func<AwsQueryCall, IRequest<TResponse>> bind, Func<TResponse, object?> result) =>
        Action(action, bind, (_, response) => result(response));

    /// <summary>As above, with the call at hand when the answer is rendered (EC2's filters and paging read its parameters).</summary>
    public AwsQueryService Action<TResponse>(string action, Func<AwsQueryCall, IRequest<TResponse>> bind, Func<AwsQueryCall, TResponse, object?> result)
    {
        _actions.Add(action, async (call, services, cancellationToken) =>
        {
            var request = bind(call);
            call.Parameters.RejectUnread(TransportParameters);
            await DryRunAsync(call, request, services, cancellationToken);
            return result(call, await services.GetRequiredService<ISender>().Send(request, cancellationToken)) ?? Array.Empty<object>();
        });
        return this;
    }

    /// <summary>An action whose answer is only its <c>ResponseMetadata</c> (the deletes, updates and puts), whatever the native request returns.</summary>
    public AwsQueryService Command<TResponse>(string action, Func<AwsQueryCall, IRequest<TResponse>> bind)
    {
        _actions.Add(action, async (call, services, cancellationToken) =>
        {
            var request = bind(call);
            call.Parameters.RejectUnread(TransportParameters);
            await DryRunAsync(call, request, services, cancellationToken);
            await services.GetRequiredService<ISender>().Send(request, cancellationToken);
            return Dialect == AwsQueryDialect.Ec2 ? Ec2QueryXml.Value("return", true) : null;
        });
        return this;
    }

    /// <summary>
    /// EC2's calls on several resources at once (StopInstances, CreateTags), one native request each. <paramref name="check"/>
    /// (a describe of them all) runs first, so an unknown or foreign id is refused before any of them changes; then every
    /// request's permission is checked, then each request runs in order; a DryRun checks each without running any.
    /// </summary>
    public AwsQueryService Each<TResponse>(string action, Func<AwsQueryCall, IReadOnlyList<IRequest<TResponse>>> bind,
        Func<AwsQueryCall, IReadOnlyList<TResponse>, object?> result, Func<AwsQueryCall, object>? check = null)
    {
        _actions.Add(action, async (call, services, cancellationToken) =>
        {
            var requests = bind(call);
            var first = check?.Invoke(call);
            call.Parameters.RejectUnread(TransportParameters);
            var sender = services.GetRequiredService<ISender>();
            if (first is not null)
            {
                await sender.Send(first, cancellationToken);
            }

            if (Dialect == AwsQueryDialect.Ec2 && (call.DryRun || requests.Count > 1))
            {
                // Every resource's permission before any change: a call on several resources that may not touch one of them
                // is refused whole (UnauthorizedOperation), as EC2 refuses it, never left half done.
                foreach (var request in requests.Skip(call.DryRun ? 1 : 0))
                {
                    await Ec2DryRun.RefuseUnlessAllowedAsync(request, services, cancellationToken);
                }

                await DryRunAsync(call, requests.Count > 0 ? requests[0] : new object(), services, cancellationToken);
            }

            var responses = new List<TResponse>(requests.Count);
            foreach (var request in requests)
            {
                responses.Add(await sender.Send(request, cancellationToken));
            }

            return result(call, responses) ?? Array.Empty<object>();
        });
        return this;
    }

    /// <summary>Takes the actions of another part of the same service (another module's), refusing a second binding of one action.</summary>
    public AwsQueryService Include(AwsQueryService part)
    {
        if (part.Name != Name || part.Version != Version || part.XmlNamespace != XmlNamespace || part.Dialect != Dialect)
        {
            throw new InvalidOperationException($"The parts of query service {Name} disagree on its version, namespace or dialect.");
        }

        if (part.JsonTargetPrefix is not null)
        {
            if (JsonTargetPrefix is not null && JsonTargetPrefix != part.JsonTargetPrefix)
            {
                throw new InvalidOperationException($"The parts of query service {Name} disagree on its JSON target prefix.");
            }

            WithJsonProtocols(part.JsonTargetPrefix, [.. JsonTimestampMembers.Union(part.JsonTimestampMembers)]);
        }

        foreach (var (action, run) in part._actions)
        {
            if (!_actions.TryAdd(action, run))
            {
                throw new InvalidOperationException($"The action {Name}:{action} is registered twice.");
            }
        }

        return this;
    }

    /// <summary>
    /// EC2's DryRun: the request is bound and validated as a real one and the caller's permission checked as the native
    /// API checks it, then nothing runs: DryRunOperation (412) when it would have been allowed, UnauthorizedOperation (403) when not.
    /// </summary>
    private ValueTask DryRunAsync(AwsQueryCall call, object request, IServiceProvider services, CancellationToken cancellationToken) =>
        Dialect == AwsQueryDialect.Ec2 && call.DryRun ? Ec2DryRun.RefuseAsync(request, services, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Runs the request's action and returns the XML answer; errors are thrown as <see cref="ApiException"/>s.</summary>
    public async ValueTask<string> DispatchAsync(AwsQueryParameters parameters, CallerIdentity caller, IServiceProvider services, string requestId,
        CancellationToken cancellationToken)
    {
        var action = parameters.Optional("Action");
        if (string.IsNullOrEmpty(action))
        {
            throw new ApiException(400, "MissingAction", "The request must contain the parameter Action.");
        }

        if (!_actions.ContainsKey(action))
        {
            throw new ApiException(400, "InvalidAction", $"Could not find operation {action} for version {Version}.");
        }

        var version = parameters.Required("Version");
        if (version != Version)
        {
            throw new ApiException(400, "NoSuchVersion", $"The requested version ({version}) of service {Name} does not exist.");
        }

        var result = await RunAsync(action, parameters, caller, services, cancellationToken);
        return Dialect == AwsQueryDialect.Ec2
            ? Ec2QueryXml.Response(action, XmlNamespace, result, requestId)
            : AwsQueryXml.Response(action, XmlNamespace, result, requestId);
    }

    /// <summary>Whether the service has the action.</summary>
    public bool Has(string action) => _actions.ContainsKey(action);

    /// <summary>
    /// Runs an action the service has and returns its result's content (null for a command's), for a protocol to write:
    /// the query protocol's <c>…Result</c> element, or the JSON and CBOR protocols' document.
    /// </summary>
    public ValueTask<object?> RunAsync(string action, AwsQueryParameters parameters, CallerIdentity caller, IServiceProvider services, CancellationToken cancellationToken)
    {
        var call = new AwsQueryCall(parameters, caller) { DryRun = Dialect == AwsQueryDialect.Ec2 && parameters.OptionalBool("DryRun") == true };
        return _actions[action](call, services, cancellationToken);
    }

    private static readonly string[] TransportParameters = ["Action", "Version"];
}

/// <summary>The query services every module registered, by signing name.</summary>
public sealed class AwsQueryRegistry(IEnumerable<AwsQueryService> services)
{
    private readonly Dictionary<string, AwsQueryService> _services = services
        .GroupBy(s => s.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Skip(1).Aggregate(new AwsQueryService(g.Key, g.First().Version, g.First().XmlNamespace, g.First().Dialect).Include(g.First()),
            (joined, part) => joined.Include(part)), StringComparer.Ordinal);

    public IReadOnlyCollection<string> ServiceNames => _services.Keys;

    /// <summary>The signing names of the services that take the JSON and CBOR protocols too.</summary>
    public IReadOnlyCollection<string> JsonServiceNames => [.. _services.Values.Where(s => s.JsonTargetPrefix is not null).Select(s => s.Name)];

    public AwsQueryService? Find(string service) => _services.GetValueOrDefault(service);
}

/// <summary>Marks a request answered on the query protocol, so every error of it (SigV4 included) is written as XML.</summary>
public sealed class AwsQueryProtocolFeature
{
    /// <summary>The service's namespace once the signature named it; errors before that carry none.</summary>
    public string? XmlNamespace { get; set; }

    /// <summary>EC2 writes its errors as <c>&lt;Response&gt;&lt;Errors&gt;</c>; known from the credential scope before the signature is checked.</summary>
    public AwsQueryDialect Dialect { get; set; }
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
