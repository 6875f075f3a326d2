using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceMetadataOptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "http_endpoint",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "enabled");

            migrationBuilder.AddColumn<int>(
                name: "http_put_response_hop_limit",
                table: "compute_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "http_tokens",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "optional");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "http_endpoint",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "http_put_response_hop_limit",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "http_tokens",
                table: "compute_instances");
        }
    }
}
