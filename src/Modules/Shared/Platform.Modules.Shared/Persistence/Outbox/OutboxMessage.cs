using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>A notification stored in the same transaction as the change it announces.</summary>
public sealed class OutboxMessage
{
    public Guid Id { get; private set; }

    /// <summary>The notification's type as "Full.Name, Assembly".</summary>
    public string Type { get; private set; } = "";

    public string Payload { get; private set; } = "";

    public DateTime OccurredAt { get; private set; }

    public DateTime? ProcessedAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public static OutboxMessage From(Mediator.INotification notification)
    {
        var type = notification.GetType();
        return new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            Type = $"{type.FullName}, {type.Assembly.GetName().Name}",
            Payload = JsonSerializer.Serialize(notification, type),
            OccurredAt = DateTime.UtcNow,
        };
    }

    public Mediator.INotification Open()
    {
        var type = System.Type.GetType(Type, throwOnError: true)!;
        return (Mediator.INotification)(JsonSerializer.Deserialize(Payload, type)
            ?? throw new InvalidOperationException($"Outbox message {Id} has an empty payload."));
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id");
        builder.Property(m => m.Type).HasColumnName("type").HasMaxLength(512).IsRequired();
        builder.Property(m => m.Payload).HasColumnName("payload").IsRequired();
        builder.Property(m => m.OccurredAt).HasColumnName("occurred_at");
        builder.Property(m => m.ProcessedAt).HasColumnName("processed_at");
        builder.Property(m => m.Attempts).HasColumnName("attempts");
        builder.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);
        builder.HasIndex(m => new { m.ProcessedAt, m.OccurredAt });
    }
}
