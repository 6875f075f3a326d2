using System.Text.Json;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.ManagedPolicies;

internal static class PolicyDocumentText
{
    /// <summary>
    /// The document as sent: AWS takes it as a JSON string; the native API also takes the object itself.
    /// Returns the text after checking it against the policy grammar.
    /// </summary>
    public static string Validate(JsonElement? document, int maxSize)
    {
        var json = document switch
        {
            null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } =>
                throw ApiErrors.MissingParameter("The request must contain the parameter PolicyDocument."),
            { ValueKind: JsonValueKind.String } text => text.GetString()!,
            { ValueKind: JsonValueKind.Object } element => element.GetRawText(),
            _ => throw new ApiException(400, "MalformedPolicyDocument", "Syntax errors in policy."),
        };

        try
        {
            PolicyDocument.Parse(json, PolicyKind.Identity, maxSize);
        }
        catch (PolicyValidationException e)
        {
            throw new ApiException(e.Code == "LimitExceeded" ? 409 : 400, e.Code, e.Message);
        }

        return json;
    }
}
