'use client';

import { useEffect, useState } from 'react';
import { useJobs, outputUrls, readTokensFrom } from '@job-gateway/client/react';

const getToken = readTokensFrom('/api/read-tokens');

/** Checkpoint → prompt → sampler → decode → save: ComfyUI's default text-to-image workflow in its API format. */
function comfyWorkflow(prompt) {
  return {
    4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    6: { class_type: 'CLIPTextEncode', inputs: { text: prompt, clip: ['4', 1] } },
    5: { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
    3: { class_type: 'KSampler', inputs: { seed: 42, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal',
      denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['6', 0], latent_image: ['5', 0] } },
    8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    9: { class_type: 'SaveImage', inputs: { filename_prefix: 'example', images: ['8', 0] } },
  };
}

/**
 * One job per provider, on the simulated AI server in development (`simulate` is its knob: how long the job takes,
 * how many progress steps); a real AI server ignores it.
 */
const JOBS = [
  { provider: 'generic', input: (simulate) => ({ prompt: 'a lighthouse at dusk', simulate }) },
  { provider: 'replicate', model: 'black-forest-labs/flux-schnell',
    input: (simulate) => ({ prompt: 'a fox in the snow', simulate }) },
  { provider: 'fal', model: 'fal-ai/flux/dev', input: (simulate) => ({ prompt: 'a red bicycle', simulate }) },
  { provider: 'cog', input: (simulate) => ({ prompt: 'an astronaut riding a horse', simulate }) },
  { provider: 'runpod', input: (simulate) => ({ prompt: 'a bowl of ramen', simulate }) },
  { provider: 'comfyui', input: (simulate) => ({ workflow: comfyWorkflow('a castle on a hill'), extra_data: { simulate } }) },
];

async function submit({ provider, model, input }, i) {
  const response = await fetch('/api/jobs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider, model, input: input({ duration_ms: 1500 + i * 600, progress_steps: 2 }) }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${provider}: ${body.detail ?? body.title ?? response.status}`);
  return body;
}

export default function JobList({ gatewayUrl }) {
  const [ids, setIds] = useState([]);
  const [submitted, setSubmitted] = useState([]);
  const [state, setState] = useState('');

  // A reload resumes the list: the job ids in the address are all the hooks need.
  useEffect(() => {
    const saved = new URLSearchParams(window.location.hash.slice(1)).get('jobs');
    if (saved) setIds(saved.split(',').filter(Boolean));
  }, []);

  const list = useJobs(ids, { baseUrl: gatewayUrl, getToken, initialJobs: submitted });

  async function submitAll() {
    setState('submitting…');
    try {
      const jobs = await Promise.all(JOBS.map(submit));
      const next = [...ids, ...jobs.map((job) => job.id)];
      setSubmitted((known) => [...known, ...jobs]);
      setIds(next);
      window.history.replaceState(null, '', `#jobs=${next.join(',')}`);
      setState('');
    } catch (error) {
      setState(String(error.message ?? error));
    }
  }

  return (
    <>
      <div className="controls">
        <button type="button" onClick={submitAll}>Submit one job per provider</button>
        <span role="status" data-testid="state" data-settled={String(ids.length > 0 && list.settled)}>
          {state || (ids.length === 0 ? '' : list.settled ? 'every job ended: nothing is being read'
            : list.paused ? 'paused while the tab is hidden' : 'watching')}
        </span>
      </div>
      <ul className="jobs">
        {list.jobs.map(({ id, job, status, progress, error }) => (
          <li key={id} data-testid="job" data-id={id} data-status={status ?? 'loading'} className={status ?? ''}>
            <div className="thumbs">
              {outputUrls(job).map((url) => (
                // Plain <img>: the outputs live on the AI server (or the gateway's storage), not in this app.
                // eslint-disable-next-line @next/next/no-img-element
                <img key={url} src={url} alt={`output of ${job.provider}`} width={96} height={96} />
              ))}
              {status !== 'succeeded' && <span className="placeholder">{status === 'failed' ? '✕' : '…'}</span>}
            </div>
            <div className="meta">
              <b data-testid="provider">{job?.provider ?? '…'}</b>
              <span className="status">{status ?? 'loading'}</span>
              <progress max={1} value={progress ?? 0} />
              {error && <small className="error">{error.message}</small>}
              <code>{id}</code>
            </div>
          </li>
        ))}
      </ul>
      {list.error && <p className="error">{String(list.error.message ?? list.error)}</p>}
    </>
  );
}
