using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class VolumeModifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "modification_ended_at",
                schema: "storage",
                table: "volumes",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "modification_started_at",
                schema: "storage",
                table: "volumes",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "modification_state",
                schema: "storage",
                table: "volumes",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "original_size_gib",
                schema: "storage",
                table: "volumes",
                type: "int",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "modification_ended_at",
                schema: "storage",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "modification_started_at",
                schema: "storage",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "modification_state",
                schema: "storage",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "original_size_gib",
                schema: "storage",
                table: "volumes");
        }
    }
}
