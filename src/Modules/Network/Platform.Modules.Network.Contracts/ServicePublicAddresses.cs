using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Gives a managed instance's primary interface a public address of the pool that the managing service owns (a publicly
/// accessible DB instance's), as a load balancer node has one: it is mapped at the VPC's edge like an elastic IP, its
/// security groups decide who gets in, and the tenant neither sees it among its addresses nor pays for it as one.
/// Idempotent: an interface that has a public address already answers it. Errors: Gateway.NotAttached (the interface's VPC
/// has no internet gateway), UnsupportedOperation (no public address pool), InsufficientAddressCapacity; an instance
/// without an interface answers null.
/// </summary>
/// <param name="Owner">The managing service's owner name for its addresses (<c>amazon-rds</c>).</param>
public sealed record AssignServicePublicAddress(string AccountId, string InstanceId, string Owner) : IRequest<string?>;

/// <summary>
/// Takes back the public address <see cref="AssignServicePublicAddress"/> gave an instance's interface (of that owner only;
/// a tenant's elastic IP is never touched); nothing to take back changes nothing. An instance's terminate releases it too.
/// </summary>
public sealed record ReleaseServicePublicAddress(string AccountId, string InstanceId, string Owner) : IRequest;

/// <summary>Whether one account's VPC has an internet gateway attached (what a publicly accessible resource needs); false for an unknown or another account's VPC.</summary>
public sealed record DescribeVpcInternetGateway(string AccountId, string VpcId) : IRequest<bool>;
