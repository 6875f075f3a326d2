using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "storage_buckets",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    policy = table.Column<string>(type: "TEXT", nullable: true),
                    default_encryption = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_buckets", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "storage_multipart_uploads",
                columns: table => new
                {
                    upload_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    bucket_name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    encrypted = table.Column<bool>(type: "INTEGER", nullable: false),
                    initiated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_multipart_uploads", x => x.upload_id);
                });

            migrationBuilder.CreateTable(
                name: "storage_outbox_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "storage_s3_objects",
                columns: table => new
                {
                    bucket_name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    segments = table.Column<string>(type: "TEXT", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    etag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    last_modified = table.Column<DateTime>(type: "TEXT", nullable: false),
                    encrypted = table.Column<bool>(type: "INTEGER", nullable: false),
                    parts_count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_s3_objects", x => new { x.bucket_name, x.object_key });
                });

            migrationBuilder.CreateTable(
                name: "storage_upload_parts",
                columns: table => new
                {
                    upload_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    part_number = table.Column<int>(type: "INTEGER", nullable: false),
                    blob_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    etag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    wrapped_key = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    last_modified = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_upload_parts", x => new { x.upload_id, x.part_number });
                });

            migrationBuilder.CreateIndex(
                name: "IX_storage_buckets_account_id",
                table: "storage_buckets",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_storage_multipart_uploads_bucket_name",
                table: "storage_multipart_uploads",
                column: "bucket_name");

            migrationBuilder.CreateIndex(
                name: "IX_storage_outbox_messages_processed_at_occurred_at",
                table: "storage_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_storage_upload_parts_blob_id",
                table: "storage_upload_parts",
                column: "blob_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "storage_buckets");

            migrationBuilder.DropTable(
                name: "storage_multipart_uploads");

            migrationBuilder.DropTable(
                name: "storage_outbox_messages");

            migrationBuilder.DropTable(
                name: "storage_s3_objects");

            migrationBuilder.DropTable(
                name: "storage_upload_parts");
        }
    }
}
