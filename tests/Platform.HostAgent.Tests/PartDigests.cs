namespace Platform.HostAgent.Tests;

/// <summary>Each image part's SHA-256 in a directory laid out as the API serves parts, as the API records them at upload.</summary>
internal static class PartDigests
{
    public static Dictionary<string, string> Of(string directory) => Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file),
        file => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));
}
