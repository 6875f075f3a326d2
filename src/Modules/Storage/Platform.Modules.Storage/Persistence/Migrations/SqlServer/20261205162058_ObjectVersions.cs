using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ObjectVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "is_delete_marker",
                schema: "storage",
                table: "s3_objects",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "version_id",
                schema: "storage",
                table: "s3_objects",
                type: "varchar(32)",
                unicode: false,
                maxLength: 32,
                nullable: true,
                collation: "Latin1_General_100_BIN2_UTF8");

            migrationBuilder.AddColumn<string>(
                name: "versioning",
                schema: "storage",
                table: "buckets",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "s3_object_versions",
                schema: "storage",
                columns: table => new
                {
                    bucket_name = table.Column<string>(type: "varchar(63)", unicode: false, maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "varchar(1024)", unicode: false, maxLength: 1024, nullable: false, collation: "Latin1_General_100_BIN2_UTF8"),
                    version_id = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false, collation: "Latin1_General_100_BIN2_UTF8"),
                    segments = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    etag = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    content_type = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    metadata = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    last_modified = table.Column<DateTime>(type: "datetime2", nullable: false),
                    encrypted = table.Column<bool>(type: "bit", nullable: false),
                    parts_count = table.Column<int>(type: "int", nullable: false),
                    checksum_algorithm = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    checksum = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    checksum_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    is_delete_marker = table.Column<bool>(type: "bit", nullable: false),
                    noncurrent_since = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_s3_object_versions", x => new { x.bucket_name, x.object_key, x.version_id })
                        .Annotation("SqlServer:Clustered", false);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "s3_object_versions",
                schema: "storage");

            migrationBuilder.DropColumn(
                name: "is_delete_marker",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "version_id",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "versioning",
                schema: "storage",
                table: "buckets");
        }
    }
}
