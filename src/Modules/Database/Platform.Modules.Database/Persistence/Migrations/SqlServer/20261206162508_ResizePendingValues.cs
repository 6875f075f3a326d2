using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ResizePendingValues : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "pending_allocated_storage",
                schema: "rds",
                table: "db_instances",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pending_instance_class",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "resize_applying",
                schema: "rds",
                table: "db_instances",
                type: "bit",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "pending_allocated_storage",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "pending_instance_class",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "resize_applying",
                schema: "rds",
                table: "db_instances");
        }
    }
}
