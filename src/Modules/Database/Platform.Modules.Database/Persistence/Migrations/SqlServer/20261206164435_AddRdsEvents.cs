using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddRdsEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "db_events",
                schema: "rds",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    source_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    source_identifier = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    message = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    categories = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    date = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_db_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_db_events_account_id_date",
                schema: "rds",
                table: "db_events",
                columns: new[] { "account_id", "date" });

            migrationBuilder.CreateIndex(
                name: "IX_db_events_date",
                schema: "rds",
                table: "db_events",
                column: "date");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "db_events",
                schema: "rds");
        }
    }
}
