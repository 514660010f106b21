#!/usr/bin/env bash
# GRPO with verl on interplay problems and interplay's reward, with the paper's RL settings (PAPER.md section 3).
#
#   MODEL=runs/paper/base/final DATA=data/verl REWARD=strict bash examples/verl/run_grpo.sh [more hydra overrides]
#
# MODEL: an interplay checkpoint; DATA: a directory holding train.parquet and test.parquet written by
# `interplay export --schema verl` (README.md beside this file). Tested with verl 0.9.1 on multi-GPU nodes only
# in principle: the reward path (custom_reward_function -> NaiveRewardManager) is the part tested here on CPU.
set -euo pipefail
MODEL=${MODEL:?an interplay checkpoint directory}
DATA=${DATA:?a directory with train.parquet and test.parquet}
REWARD=${REWARD:-strict}
GPUS=${GPUS:-8}
REWARD_FILE=$(python3 -c "import interplay.verify.rewards as r; print(r.__file__)")

python3 -m verl.trainer.main_ppo \
    algorithm.adv_estimator=grpo \
    algorithm.norm_adv_by_std_in_grpo=true \
    data.train_files="$DATA/train.parquet" \
    data.val_files="$DATA/test.parquet" \
    data.prompt_key=prompt \
    data.train_batch_size=256 \
    data.max_prompt_length=1024 \
    data.max_response_length=1024 \
    data.trust_remote_code=true \
    actor_rollout_ref.model.path="$MODEL" \
    actor_rollout_ref.model.trust_remote_code=true \
    actor_rollout_ref.actor.optim.lr=1e-6 \
    actor_rollout_ref.actor.ppo_mini_batch_size=64 \
    actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=16 \
    actor_rollout_ref.actor.use_kl_loss=true \
    actor_rollout_ref.actor.kl_loss_coef=0.001 \
    actor_rollout_ref.actor.kl_loss_type=low_var_kl \
    actor_rollout_ref.actor.clip_ratio=0.2 \
    actor_rollout_ref.actor.loss_agg_mode=token-mean \
    actor_rollout_ref.rollout.name=vllm \
    actor_rollout_ref.rollout.n=6 \
    actor_rollout_ref.rollout.temperature=1.0 \
    actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16 \
    actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=16 \
    reward.custom_reward_function.path="$REWARD_FILE" \
    reward.custom_reward_function.name=compute_score \
    +reward.custom_reward_function.reward_kwargs.reward="$REWARD" \
    trainer.logger='["console"]' \
    trainer.project_name=interplay \
    trainer.experiment_name="grpo-$REWARD" \
    trainer.n_gpus_per_node="$GPUS" \
    trainer.nnodes=1 \
    trainer.total_training_steps=500 \
    trainer.test_freq=50 \
    trainer.save_freq=100 \
    "$@"
