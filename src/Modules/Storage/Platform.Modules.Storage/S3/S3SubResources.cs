namespace Platform.Modules.Storage.S3;

/// <summary>
/// The query parameters that name an S3 operation of their own (botocore's S3 model, every requestUri with a '?'), so that
/// a request naming one the platform does not implement is answered NotImplemented and never taken for the operation
/// without it: <c>PUT ?publicAccessBlock</c> was CreateBucket, <c>DELETE ?cors</c> DeleteBucket, <c>DELETE key?tagging</c> DeleteObject.
/// uploadId names the multipart operations on a key; partNumber and versionId qualify the operation they come with.
/// </summary>
internal static class S3SubResources
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "abac", "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering", "inventory",
        "legal-hold", "lifecycle", "location", "logging", "metadataConfiguration", "metadataInventoryTable", "metadataJournalTable",
        "metadataTable", "metrics", "notification", "object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
        "renameObject", "replication", "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent", "uploadId",
        "uploads", "versioning", "versions", "website",
    };

    /// <summary>The sub-resource the query names, or null for the plain operation on the bucket or key.</summary>
    public static string? Of(IEnumerable<string> queryNames) => queryNames.FirstOrDefault(Names.Contains);
}
