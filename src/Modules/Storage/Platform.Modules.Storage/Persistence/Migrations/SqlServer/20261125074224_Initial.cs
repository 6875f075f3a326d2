using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "storage");

            migrationBuilder.CreateTable(
                name: "buckets",
                schema: "storage",
                columns: table => new
                {
                    name = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    policy = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    default_encryption = table.Column<bool>(type: "bit", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_buckets", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "multipart_uploads",
                schema: "storage",
                columns: table => new
                {
                    upload_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    bucket_name = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    content_type = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    encrypted = table.Column<bool>(type: "bit", nullable: false),
                    initiated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_multipart_uploads", x => x.upload_id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "storage",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    type = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    processed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    last_error = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "s3_objects",
                schema: "storage",
                columns: table => new
                {
                    bucket_name = table.Column<string>(type: "varchar(63)", unicode: false, maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "varchar(1024)", unicode: false, maxLength: 1024, nullable: false, collation: "Latin1_General_100_BIN2_UTF8"),
                    segments = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    etag = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    content_type = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    last_modified = table.Column<DateTime>(type: "datetime2", nullable: false),
                    encrypted = table.Column<bool>(type: "bit", nullable: false),
                    parts_count = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_s3_objects", x => new { x.bucket_name, x.object_key })
                        .Annotation("SqlServer:Clustered", false);
                });

            migrationBuilder.CreateTable(
                name: "upload_parts",
                schema: "storage",
                columns: table => new
                {
                    upload_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    part_number = table.Column<int>(type: "int", nullable: false),
                    blob_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    etag = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    wrapped_key = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    last_modified = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_upload_parts", x => new { x.upload_id, x.part_number });
                });

            migrationBuilder.CreateIndex(
                name: "IX_buckets_account_id",
                schema: "storage",
                table: "buckets",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_multipart_uploads_bucket_name",
                schema: "storage",
                table: "multipart_uploads",
                column: "bucket_name");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "storage",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_upload_parts_blob_id",
                schema: "storage",
                table: "upload_parts",
                column: "blob_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "buckets",
                schema: "storage");

            migrationBuilder.DropTable(
                name: "multipart_uploads",
                schema: "storage");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "storage");

            migrationBuilder.DropTable(
                name: "s3_objects",
                schema: "storage");

            migrationBuilder.DropTable(
                name: "upload_parts",
                schema: "storage");
        }
    }
}
