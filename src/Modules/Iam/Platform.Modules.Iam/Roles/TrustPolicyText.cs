using System.Text.Json;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Roles;

internal static class TrustPolicyText
{
    /// <summary>IAM's quota for a role trust policy (characters, white space excluded).</summary>
    public const int MaxSize = 2048;

    /// <summary>The trust policy as sent (a JSON string, or the object itself on the native API), checked against the grammar.</summary>
    public static string Validate(JsonElement? document)
    {
        var json = document switch
        {
            null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } =>
                throw ApiErrors.MissingParameter("The request must contain the parameter AssumeRolePolicyDocument."),
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            { ValueKind: JsonValueKind.Object } element => element.GetRawText(),
            _ => throw new ApiException(400, "MalformedPolicyDocument", "Syntax errors in policy."),
        };

        try
        {
            PolicyDocument.Parse(json, PolicyKind.Trust, MaxSize);
        }
        catch (PolicyValidationException e)
        {
            throw new ApiException(e.Code == "LimitExceeded" ? 409 : 400, e.Code, e.Message);
        }

        return json;
    }
}
