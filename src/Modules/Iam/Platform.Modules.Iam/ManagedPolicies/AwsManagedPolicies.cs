namespace Platform.Modules.Iam.ManagedPolicies;

/// <summary>Policies every account can attach, under the ARNs AWS gives them.</summary>
internal static class AwsManagedPolicies
{
    public const string ArnPrefix = "arn:aws:iam::aws:policy/";

    public static readonly IReadOnlyDictionary<string, string> Documents = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ArnPrefix + "AdministratorAccess"] =
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""",
        [ArnPrefix + "IAMReadOnlyAccess"] =
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}""",
    };

    public static string NameOf(string arn) => arn[ArnPrefix.Length..];
}
