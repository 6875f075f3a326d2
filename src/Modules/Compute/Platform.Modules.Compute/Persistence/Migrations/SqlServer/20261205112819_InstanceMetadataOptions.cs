using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceMetadataOptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "http_endpoint",
                schema: "compute",
                table: "instances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "enabled");

            migrationBuilder.AddColumn<int>(
                name: "http_put_response_hop_limit",
                schema: "compute",
                table: "instances",
                type: "int",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "http_tokens",
                schema: "compute",
                table: "instances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "optional");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "http_endpoint",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "http_put_response_hop_limit",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "http_tokens",
                schema: "compute",
                table: "instances");
        }
    }
}
