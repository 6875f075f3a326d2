using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Messaging;

/// <summary>Checks for request parameters that fail with AWS's codes and messages.</summary>
public static class Parameter
{
    public static void Required([NotNull] string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw ApiErrors.MissingParameter($"The request must contain the parameter {name}.");
        }
    }

    public static void Length(string value, string name, int min, int max)
    {
        if (value.Length < min || value.Length > max)
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length between {min} and {max}");
        }
    }

    /// <param name="shownPattern">The pattern as AWS quotes it, when the one that checks differs in its spelling.</param>
    public static void Matches(string value, string name, Regex pattern, string? shownPattern = null)
    {
        if (!pattern.IsMatch(value))
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must satisfy regular expression pattern: {shownPattern ?? pattern.ToString()}");
        }
    }

    public static void OneOf(string value, string name, params string[] allowed)
    {
        if (Array.IndexOf(allowed, value) < 0)
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }
    }
}
