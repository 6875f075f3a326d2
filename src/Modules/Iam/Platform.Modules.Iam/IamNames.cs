using System.Text.RegularExpressions;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam;

/// <summary>
/// IAM's names as IAM checks them: <c>[\w+=,.@-]+</c> where \w is ASCII only (.NET's \w takes every script's letters,
/// which let look-alike names and ARNs in), with IAM's lengths: 64 for a new user, 128 for a policy and for a user
/// named in any other call. Every name a request carries goes through here.
/// </summary>
internal static partial class IamNames
{
    public const int NewUserMaxLength = 64;
    public const int ExistingUserMaxLength = 128;
    public const int PolicyMaxLength = 128;
    public const int RoleMaxLength = 64;
    public const int InstanceProfileMaxLength = 128;
    public const int GroupMaxLength = 128;

    /// <summary>The pattern as IAM quotes it in its ValidationError.</summary>
    private const string ShownPattern = @"[\w+=,.@-]+";

    public static void NewUser(string? value, string member) => Check(value, member, NewUserMaxLength);

    public static void ExistingUser(string? value, string member) => Check(value, member, ExistingUserMaxLength);

    /// <summary>Where a user name may be left out (access keys: the caller's own), one given must still be a name.</summary>
    public static void OptionalExistingUser(string? value, string member)
    {
        if (value is not null)
        {
            ExistingUser(value, member);
        }
    }

    public static void Policy(string? value, string member) => Check(value, member, PolicyMaxLength);

    public static void Role(string? value, string member) => Check(value, member, RoleMaxLength);

    public static void InstanceProfile(string? value, string member) => Check(value, member, InstanceProfileMaxLength);

    public static void Group(string? value, string member) => Check(value, member, GroupMaxLength);

    /// <summary>Paths other than / would put the path in every ARN the authorizer compares before the entity is loaded.</summary>
    public static void RootPathOnly(string? path)
    {
        if (path is not null && path != "/")
        {
            throw ApiErrors.InvalidParameterValue("Paths other than / are not supported.");
        }
    }

    /// <summary>An access key id: <c>[\w]+</c>, 16 to 128 characters.</summary>
    public static void AccessKeyId(string? value, string member)
    {
        Parameter.Required(value, member);
        Parameter.Length(value, member, 16, 128);
        Parameter.Matches(value, member, AccessKeyIdPattern(), @"[\w]+");
    }

    public static void Check(string? value, string member, int maxLength)
    {
        Parameter.Required(value, member);
        Parameter.Length(value, member, 1, maxLength);
        Parameter.Matches(value, member, NamePattern(), ShownPattern);
    }

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+\z")]
    private static partial Regex AccessKeyIdPattern();
}
