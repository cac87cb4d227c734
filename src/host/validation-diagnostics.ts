import * as vscode from 'vscode';
import type { Finding } from '../core/trajectory/findings';

/** Runs the core validation over a .traj.jsonl file and shows the findings in the Problems panel. */
export class ValidationDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('mini-o3');

  async validate(uri: vscode.Uri, token?: vscode.CancellationToken): Promise<{ trajectories: number; errors: number; warnings: number }> {
    // Loaded on use: the core pulls in sharp, a native module, which must not break activation.
    const { TrajectoryFile } = await import('../core/store');
    const { analyzeRecord, ImageSizeLookup } = await import('../core/analysis/analyze-record');
    const store = await TrajectoryFile.openStreaming(uri.fsPath);
    const sizes = new ImageSizeLookup();
    const findings: Finding[] = [];
    let trajectories = 0;
    try {
      for await (const record of store.records()) {
        if (token?.isCancellationRequested) break;
        const analyzed = await analyzeRecord(record, uri.fsPath, sizes);
        if (analyzed.summary) trajectories++;
        findings.push(...analyzed.findings);
      }
      findings.push(...store.notes);
    } finally {
      await store.close();
    }
    this.collection.set(uri, findings.map(toDiagnostic));
    const errors = findings.filter((f) => f.severity === 'error').length;
    return { trajectories, errors, warnings: findings.length - errors };
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function toDiagnostic(f: Finding): vscode.Diagnostic {
  const line = Math.max(0, f.line - 1);
  const range = new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
  const severity = f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(range, f.field ? `${f.field}: ${f.message}` : f.message, severity);
  diagnostic.source = 'Mini-o3';
  return diagnostic;
}
