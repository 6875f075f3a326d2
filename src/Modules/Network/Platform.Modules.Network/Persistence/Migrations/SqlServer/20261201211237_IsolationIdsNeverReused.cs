using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class IsolationIdsNeverReused : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "isolation_ids",
                schema: "network",
                columns: table => new
                {
                    isolation_id = table.Column<int>(type: "int", nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    allocated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_isolation_ids", x => x.isolation_id);
                });

            // The VPCs that exist hold their ids; ids of VPCs deleted before this migration were not recorded anywhere.
            migrationBuilder.Sql("INSERT INTO [network].[isolation_ids] ([isolation_id], [vpc_id], [allocated_at]) SELECT [isolation_id], [id], [created_at] FROM [network].[vpcs];");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "isolation_ids",
                schema: "network");
        }
    }
}
