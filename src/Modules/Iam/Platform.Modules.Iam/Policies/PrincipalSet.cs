using System.Text.Json;

namespace Platform.Modules.Iam.Policies;

/// <summary>The Principal (or NotPrincipal) of a resource policy statement.</summary>
internal sealed class PrincipalSet
{
    private bool _anyone;
    private readonly HashSet<string> _accounts = new(StringComparer.Ordinal);
    private readonly List<Wildcard> _arns = [];
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);

    private PrincipalSet(bool negated, bool anyone)
    {
        Negated = negated;
        _anyone = anyone;
    }

    public bool Negated { get; }

    public static PrincipalSet Parse(JsonElement element, bool negated)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString() == "*" ? new PrincipalSet(negated, anyone: true) : throw PolicyDocument.Fail("Invalid principal in policy");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw PolicyDocument.Fail("Invalid principal in policy");
        }

        var set = new PrincipalSet(negated, anyone: false);
        foreach (var property in element.EnumerateObject())
        {
            var values = PolicyDocument.StringOrArray(property.Value);
            switch (property.Name)
            {
                case "AWS":
                    foreach (var value in values)
                    {
                        set.AddAws(value);
                    }

                    break;
                case "Service":
                    // No service signs a request here; the platform acts as one when it gives an instance its role's credentials.
                    set._services.UnionWith(values);
                    break;
                case "Federated" or "CanonicalUser":
                    // Recognised, but no such principals sign requests here: they never match.
                    break;
                default:
                    throw PolicyDocument.Fail($"Invalid principal in policy: {property.Name}");
            }
        }

        return set;
    }

    /// <summary>Whether the caller is named; <paramref name="principalArn"/> is null for an anonymous request.</summary>
    /// <param name="principalService">A service principal (<c>ec2.amazonaws.com</c>) the platform acts as; it matches only a Service entry.</param>
    public bool Contains(string? principalArn, string? principalAccount, string? principalService = null)
    {
        if (_anyone)
        {
            return true;
        }

        if (principalService is not null)
        {
            return _services.Contains(principalService);
        }

        if (principalArn is null)
        {
            return false;
        }

        return (principalAccount is not null && _accounts.Contains(principalAccount)) || _arns.Exists(a => a.IsMatch(principalArn));
    }

    private void AddAws(string value)
    {
        if (value == "*")
        {
            // {"AWS": "*"} is the same as "*": anyone, anonymous callers included.
            _anyone = true;
            return;
        }

        // "123456789012" and "arn:aws:iam::123456789012:root" both name every principal of the account.
        if (value.Length == 12 && value.All(char.IsAsciiDigit))
        {
            _accounts.Add(value);
            return;
        }

        var parts = value.Split(':');
        if (parts.Length == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root")
        {
            _accounts.Add(parts[4]);
            return;
        }

        if (parts.Length < 6 || parts[0] != "arn")
        {
            throw PolicyDocument.Fail($"Invalid principal in policy: \"AWS\":\"{value}\"");
        }

        _arns.Add(Wildcard.Create(value, ignoreCase: false));
    }
}
