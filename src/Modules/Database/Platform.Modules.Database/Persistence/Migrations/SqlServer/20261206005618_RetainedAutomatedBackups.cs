using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class RetainedAutomatedBackups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "retained_automated_backups",
                schema: "rds",
                columns: table => new
                {
                    resource_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    instance_identifier = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    engine = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    engine_version = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    instance_class = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    allocated_storage = table.Column<int>(type: "int", nullable: false),
                    master_username = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    master_password_protected = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    port = table.Column<int>(type: "int", nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    subnet_group_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    security_group_ids = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    parameter_group_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    backup_retention_period = table.Column<int>(type: "int", nullable: false),
                    preferred_backup_window = table.Column<string>(type: "nvarchar(11)", maxLength: 11, nullable: false),
                    preferred_maintenance_window = table.Column<string>(type: "nvarchar(19)", maxLength: 19, nullable: false),
                    earliest_restorable_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    latest_restorable_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    instance_create_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    backup_cipher_protected = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    retained_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_retained_automated_backups", x => x.resource_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_retained_automated_backups_account_id",
                schema: "rds",
                table: "retained_automated_backups",
                column: "account_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "retained_automated_backups",
                schema: "rds");
        }
    }
}
