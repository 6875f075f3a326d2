using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ObjectLock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "legal_hold",
                table: "storage_s3_objects",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lock_mode",
                table: "storage_s3_objects",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "lock_retain_until",
                table: "storage_s3_objects",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "legal_hold",
                table: "storage_s3_object_versions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lock_mode",
                table: "storage_s3_object_versions",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "lock_retain_until",
                table: "storage_s3_object_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "object_lock",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "object_lock_enabled",
                table: "storage_buckets",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "legal_hold",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "lock_mode",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "lock_retain_until",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "legal_hold",
                table: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "lock_mode",
                table: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "lock_retain_until",
                table: "storage_s3_object_versions");

            migrationBuilder.DropColumn(
                name: "object_lock",
                table: "storage_buckets");

            migrationBuilder.DropColumn(
                name: "object_lock_enabled",
                table: "storage_buckets");
        }
    }
}
