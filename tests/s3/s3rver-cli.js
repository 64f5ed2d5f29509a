require('@20minutes/s3rver/lib/cli.js').parseAsync(process.argv).catch(e=>{console.error(e);process.exit(1)});
