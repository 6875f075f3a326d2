using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class MultiAz : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "multi_az",
                schema: "rds",
                table: "db_instances",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "primary_side",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(1)",
                maxLength: 1,
                nullable: false,
                defaultValue: "a");

            migrationBuilder.AddColumn<string>(
                name: "replication_password_protected",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(512)",
                maxLength: 512,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "replication_term",
                schema: "rds",
                table: "db_instances",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "secondary_availability_zone",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "standby_synchronous",
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
                name: "multi_az",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "primary_side",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "replication_password_protected",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "replication_term",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "secondary_availability_zone",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "standby_synchronous",
                schema: "rds",
                table: "db_instances");
        }
    }
}
