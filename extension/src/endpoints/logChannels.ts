// One output channel per deployment that follows its log (Show Logs), and where a failed deployment's
// log (a build's, or the server's output) is shown.
import * as vscode from 'vscode';
import { ServerManager } from '../client';
import { errorMessage } from '../serverCall';
import { callServer } from '../serverCommands';
import { deploymentKey, LogFollows, readLogLines } from './logFollows';

export class LogChannels implements vscode.Disposable {
    private readonly channels = new Map<string, vscode.OutputChannel>();
    private readonly follows = new LogFollows();

    constructor(private readonly servers: ServerManager) {
        servers.onNotification('amlDeploy/logLines', (params) => this.received(params));
    }

    private channel(key: string): vscode.OutputChannel {
        let channel = this.channels.get(key);
        if (!channel) {
            channel = vscode.window.createOutputChannel(`AML Deploy: ${key}`, 'log');
            this.channels.set(key, channel);
        }
        return channel;
    }

    // Show the deployment's log and follow it (from its last lines) unless it is followed already.
    async show(endpoint: string, deployment: string): Promise<void> {
        const key = deploymentKey(endpoint, deployment);
        this.channel(key).show(true);
        if (this.follows.following(key)) {
            return;
        }
        try {
            const answer = await callServer<{ follow: string }>(this.servers.current, 'amlDeploy.server.followLogs', { endpoint, deployment });
            this.follows.start(key, answer.follow);
        } catch (error) {
            this.channel(key).appendLine(`--- ${errorMessage(error)}`);
        }
    }

    // After a redeploy replaced the container: follow the new one where the log was being watched.
    async refollow(endpoint: string, deployment: string): Promise<void> {
        const key = deploymentKey(endpoint, deployment);
        if (this.channels.has(key) && !this.follows.following(key)) {
            this.channel(key).appendLine('--- redeployed: following the new container');
            await this.show(endpoint, deployment);
        }
    }

    // A text that is no live log (a failed build's output), shown in the deployment's channel.
    showText(endpoint: string, deployment: string, title: string, text: string): void {
        const channel = this.channel(deploymentKey(endpoint, deployment));
        channel.appendLine(`--- ${title}`);
        channel.append(text.endsWith('\n') ? text : `${text}\n`);
        channel.show(true);
    }

    private received(params: unknown): void {
        const message = readLogLines(params);
        const key = message && this.follows.receive(message);
        if (!message || key === undefined) {
            return;
        }
        const channel = this.channel(key);
        for (const line of message.lines) {
            channel.appendLine(line);
        }
        if (message.ended && message.message) {
            channel.appendLine(`--- ${message.message}; Show Logs follows it again after the next deploy`);
        }
    }

    dispose(): void {
        for (const follow of this.follows.all()) {
            void callServer(this.servers.current, 'amlDeploy.server.stopLogs', { follow }).catch(() => undefined);
        }
        for (const channel of this.channels.values()) {
            channel.dispose();
        }
    }
}
