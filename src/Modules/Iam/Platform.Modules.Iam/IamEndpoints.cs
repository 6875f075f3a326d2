using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Accounts;
using Platform.Modules.Iam.Identity;
using Platform.Modules.Iam.InlinePolicies;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Iam;

/// <summary>The native IAM API: <c>/api/v1/iam/...</c>, snake_case JSON.</summary>
internal static class IamEndpoints
{
    public const string Prefix = "/api/v1/iam";

    public static RouteGroupBuilder MapIam(IEndpointRouteBuilder routes)
    {
        var iam = routes.MapGroup(Prefix).WithTags("IAM").WithMetadata(SigningService.Iam);

        iam.MapGet("/caller-identity", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetCallerIdentity(), ct)));

        iam.MapPost("/accounts", async (CreateAccountBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateAccount(body.AccountName), ct)));
        iam.MapGet("/accounts", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new ListAccounts(), ct)));

        iam.MapPost("/users", async (CreateUserBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateUser(body.UserName, body.Path), ct)));
        iam.MapGet("/users", async ([FromQuery(Name = "path_prefix")] string? pathPrefix, [FromQuery(Name = "max_items")] int? maxItems,
                [FromQuery(Name = "marker")] string? marker, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListUsers(pathPrefix, maxItems, marker), ct)));
        iam.MapGet("/users/{user_name}", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetUser(userName), ct)));
        iam.MapDelete("/users/{user_name}", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteUser(userName), ct)));

        iam.MapPost("/access-keys", async (CreateAccessKeyBody? body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateAccessKey(body?.UserName), ct)));
        iam.MapGet("/access-keys", async ([FromQuery(Name = "user_name")] string? userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAccessKeys(userName), ct)));
        iam.MapPatch("/access-keys/{access_key_id}", async ([FromRoute(Name = "access_key_id")] string accessKeyId, UpdateAccessKeyBody body,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new UpdateAccessKey(accessKeyId, body.UserName, body.Status), ct)));
        iam.MapDelete("/access-keys/{access_key_id}", async ([FromRoute(Name = "access_key_id")] string accessKeyId,
                [FromQuery(Name = "user_name")] string? userName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteAccessKey(accessKeyId, userName), ct)));

        iam.MapPost("/policies", async (CreatePolicyBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreatePolicy(body.PolicyName, body.PolicyDocument, body.Path, body.Description), ct)));
        iam.MapGet("/policies", async ([FromQuery(Name = "scope")] string? scope, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListPolicies(scope), ct)));
        iam.MapGet("/policies/{policy_name}", async ([FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetPolicy(policyName), ct)));
        iam.MapDelete("/policies/{policy_name}", async ([FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeletePolicy(policyName), ct)));

        iam.MapPost("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName, AttachPolicyBody body,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AttachUserPolicy(userName, body.PolicyArn), ct)));
        iam.MapGet("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAttachedUserPolicies(userName), ct)));
        iam.MapDelete("/users/{user_name}/attached-policies", async ([FromRoute(Name = "user_name")] string userName,
                [FromQuery(Name = "policy_arn")] string? policyArn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DetachUserPolicy(userName, policyArn), ct)));

        iam.MapPut("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, PutUserPolicyBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutUserPolicy(userName, policyName, body.PolicyDocument), ct)));
        iam.MapGet("/users/{user_name}/policies", async ([FromRoute(Name = "user_name")] string userName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListUserPolicies(userName), ct)));
        iam.MapGet("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetUserPolicy(userName, policyName), ct)));
        iam.MapDelete("/users/{user_name}/policies/{policy_name}", async ([FromRoute(Name = "user_name")] string userName,
                [FromRoute(Name = "policy_name")] string policyName, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteUserPolicy(userName, policyName), ct)));

        return iam;
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record CreateAccountBody(string? AccountName);

    internal sealed record CreateUserBody(string? UserName, string? Path);

    internal sealed record CreateAccessKeyBody(string? UserName);

    internal sealed record UpdateAccessKeyBody(string? Status, string? UserName);

    internal sealed record CreatePolicyBody(string? PolicyName, JsonElement? PolicyDocument, string? Path, string? Description);

    internal sealed record AttachPolicyBody(string? PolicyArn);

    internal sealed record PutUserPolicyBody(JsonElement? PolicyDocument);
}
